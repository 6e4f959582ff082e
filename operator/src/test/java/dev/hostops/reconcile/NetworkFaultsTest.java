package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.api.ValueSource;
import dev.hostops.testhosts.NetworkLink;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A host 50 ms away (Toxiproxy's {@code wan} profile in front of its SSH port), with the operator running
 * as in a cluster: a link that goes silent reads {@code Unreachable} in status within the SSH timeout and
 * a little, and converges once it returns; the same link crawling at 64 KB/s carries 2 MB in one apply
 * with no fault reported.
 */
class NetworkFaultsTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration SSH_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static OperatorHarness k8s;
  private static TestHost far;
  private static NetworkLink link;

  @BeforeAll
  static void start() throws Exception {
    far = HOSTS.boot("far");
    far.shOk("docker pull -q " + far.image("hostops/busybox:latest"));
    link = far.behind(NetworkLink.Profile.WAN);
    k8s = new OperatorHarness(RESYNC, SSH_TIMEOUT);
    k8s.addHost(far, "far", "root", Map.of(), link.port());
  }

  @AfterAll
  static void stop() throws Exception {
    if (k8s != null) {
      k8s.close();
    }
    if (link != null) {
      link.close();
    }
  }

  private static HostService busybox(String name) {
    HostService s = OperatorHarness.service(name, far.image("hostops/busybox:latest"), "far");
    s.getSpec().pull = "Never";
    s.getSpec().args = List.of("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
    return s;
  }

  private static ServiceOnHost entry(String name) {
    HostService s = k8s.get(name);
    return s == null ? null : on(s, "far");
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  @Test
  void aSilentLinkReadsUnreachableWithinTheTimeoutAndConvergesWhenItReturns() throws Exception {
    String name = "stalled";
    k8s.create(busybox(name));
    k8s.awaitReady(name, WAIT);
    Await.until(WAIT, () -> Boolean.TRUE.equals(k8s.host("far").getStatus().reachable), () -> describe(k8s.host("far")));

    link.stall();
    long t0 = System.nanoTime();
    double[] service = {-1};
    double[] host = {-1};
    String[] silentMessage = {""};
    try {
      Await.until(Duration.ofSeconds(30), () -> {
        if (service[0] < 0 && entry(name) != null && "Unreachable".equals(entry(name).state)) {
          service[0] = seconds(t0);
        }
        if (host[0] < 0 && Boolean.FALSE.equals(k8s.host("far").getStatus().reachable)) {
          host[0] = seconds(t0);
          silentMessage[0] = k8s.host("far").getStatus().message;
        }
        return service[0] >= 0 && host[0] >= 0;
      }, () -> describe(k8s.get(name)) + "\n" + describe(k8s.host("far")));
      // an edit while the link is silent is applied once it returns
      k8s.edit(name, s -> s.getSpec().env = List.of(new EnvVar("V", "after-the-stall")));
      Thread.sleep(SSH_TIMEOUT.toMillis());
      assertEquals("Unreachable", entry(name).state, describe(k8s.get(name)));
    } finally {
      link.resume();
    }
    long back = System.nanoTime();
    Await.until(WAIT, () -> OperatorHarness.ready(k8s.get(name))
        && far.shOk("docker inspect -f '{{json .Config.Env}}' " + name).contains("V=after-the-stall"),
        () -> describe(k8s.get(name)));
    double converged = seconds(back);
    String message = k8s.host("far").getStatus().message;
    System.out.printf("link silent: service Unreachable after %.1f s, Host after %.1f s (timeout %d s): %s; after it "
        + "returned: Ready with the edit in %.1f s%n", service[0], host[0], SSH_TIMEOUT.toSeconds(), silentMessage[0],
        converged);
    assertTrue(service[0] <= SSH_TIMEOUT.toSeconds() + 2, "service Unreachable after " + service[0] + " s");
    assertTrue(host[0] <= SSH_TIMEOUT.toSeconds() + 2, "Host unreachable after " + host[0] + " s");
    assertTrue(Boolean.TRUE.equals(k8s.host("far").getStatus().reachable), message);
    k8s.delete(name);
    Await.until(WAIT, () -> k8s.get(name) == null, () -> describe(k8s.get(name)));
  }

  @Test
  void twoMegabytesOverASlowLinkAreOneApplyAndNoFault() throws Exception {
    String name = "crawl";
    k8s.create(busybox(name));
    k8s.awaitReady(name, WAIT);
    int unreachableBefore = k8s.events(name, "Unreachable").size();
    List<ServiceFile> files = new ArrayList<>();
    Random random = new Random(42);
    for (int i = 0; i < 2; i++) {
      StringBuilder content = new StringBuilder();
      while (content.length() < 1_000_000) {
        content.append(Long.toString(random.nextLong(), 36)).append(content.length() % 100 < 12 ? '\n' : ' ');
      }
      k8s.configMap("big-" + i, Map.of("data.txt", content.toString()));
      ServiceFile f = new ServiceFile();
      f.name = "data-" + i + ".txt";
      f.configMapRef = new ValueSource("big-" + i, "data.txt");
      files.add(f);
    }
    link.reset(NetworkLink.Profile.SLOW);
    try {
      long t0 = System.nanoTime();
      k8s.edit(name, s -> s.getSpec().files = files);
      List<String> states = new ArrayList<>();
      Await.until(Duration.ofSeconds(180), () -> {
        ServiceOnHost e = entry(name);
        String state = e == null ? "-" : e.state;
        if (states.isEmpty() || !states.get(states.size() - 1).equals(state)) {
          states.add(state);
        }
        return OperatorHarness.ready(k8s.get(name)) && far.sh("test -s /root/" + name + "/data-1.txt").ok();
      }, () -> describe(k8s.get(name)));
      System.out.printf("2 MB over slow (64 KB/s): Ready in %.1f s; states seen: %s%n", seconds(t0), states);
      assertTrue(!states.contains("Unreachable"), "no fault on a slow link: " + states);
      assertEquals(unreachableBefore, k8s.events(name, "Unreachable").size(), String.join("\n",
          k8s.events(name, "Unreachable")));
      assertTrue(Boolean.TRUE.equals(k8s.host("far").getStatus().reachable), describe(k8s.host("far")));
    } finally {
      link.reset(NetworkLink.Profile.WAN);
    }
    k8s.delete(name);
    Await.until(WAIT, () -> k8s.get(name) == null, () -> describe(k8s.get(name)));
  }
}
