package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.ServiceFile;
import dev.hostops.render.HostFile;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.ssh.HostException;
import dev.hostops.testhosts.NetworkLink;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Applies over links that crawl and links that fail, made by Toxiproxy in front of a real host's SSH
 * port, with the SSH timeout the other tests use (5 s): an apply whose transfer alone takes far longer
 * than the timeout is not a fault while bytes flow, and a flaky link never leaves a file half-written.
 */
class SlowLinkTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(5);
  private static TestHost host;

  @BeforeAll
  static void boot() {
    host = HOSTS.boot("slow");
    host.shOk("docker pull -q " + host.image("hostops/busybox:latest"));
  }

  /** Version {@code v} of a service carrying {@code files} files of {@code size} bytes of incompressible text. */
  static RenderedService version(String name, int v, int files, int size) {
    HostService s = new HostService();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team").build());
    s.setSpec(new HostServiceSpec());
    s.getSpec().image = host.image("hostops/busybox:latest");
    s.getSpec().pull = "Never";
    s.getSpec().hosts = List.of("h");
    s.getSpec().args = List.of("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
    List<ServiceFile> all = new ArrayList<>();
    Random random = new Random(v * 1000L + files);
    for (int i = 0; i < files; i++) {
      StringBuilder content = new StringBuilder();
      while (content.length() < size) {
        content.append(Long.toString(random.nextLong(), 36)).append(content.length() % 100 < 12 ? '\n' : ' ');
      }
      ServiceFile f = new ServiceFile();
      f.name = "data-" + i + ".txt";
      f.content = content.toString();
      all.add(f);
    }
    s.getSpec().files = all;
    return ServiceRenderer.render(s);
  }

  private static Map<String, String> onHost(RenderedService r) {
    return host.fileHashes(r);
  }

  private static Map<String, String> expected(RenderedService r) {
    return TestHost.renderedHashes(r);
  }

  @Test
  void twoMegabytesOverASlowLinkConvergeInOneApplyWithNoFault() throws Exception {
    RenderedService first = version("crawl", 1, 1, 1000);
    RenderedService big = version("crawl", 2, 8, 256_000);
    ServiceSync sync = new ServiceSync(TIMEOUT);
    try (HostConnection direct = HostConnection.open(host.root(), TIMEOUT)) {
      assertTrue(sync.sync(direct, first).seen().unit().isActive());
    }
    try (NetworkLink slow = host.behind(NetworkLink.Profile.SLOW);
         HostConnection c = HostConnection.open(host.through(slow.port(), "root"), TIMEOUT)) {
      long t0 = System.nanoTime();
      String outcome = "converged";
      ServiceSync.Result done = null;
      try {
        done = sync.sync(c, big);
      } catch (HostException e) {
        outcome = e.getClass().getSimpleName() + ": " + e.getMessage();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf("2 MB apply over slow (64 KB/s, 50 ms): %.1f s: %s%n", seconds, outcome);
      assertEquals("converged", outcome);
      assertTrue(seconds > TIMEOUT.toSeconds() * 3, "the transfer took longer than the timeout: " + seconds + " s");
      assertEquals(expected(big), onHost(big));
      assertTrue(done.seen().unit().isActive() && done.seen().container().isRunning(), done.seen().toString());
      assertTrue(sync.sync(c, big).plan().isNoop(), "the next probe finds nothing to do");
    }
  }

  @Test
  void aFlakyLinkConvergesWithEveryFileWhollyOldOrWhollyNew() throws Exception {
    RenderedService old = version("flaky", 1, 4, 64_000);
    RenderedService next = version("flaky", 2, 4, 64_000);
    ServiceSync sync = new ServiceSync(TIMEOUT);
    try (HostConnection direct = HostConnection.open(host.root(), TIMEOUT)) {
      assertTrue(sync.sync(direct, old).seen().unit().isActive());
    }
    Set<String> allowed = new HashSet<>();
    allowed.addAll(expected(old).values());
    allowed.addAll(expected(next).values());
    try (NetworkLink flaky = host.behind(NetworkLink.Profile.FLAKY, 17)) {
      long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
      int attempts = 0;
      int failures = 0;
      boolean converged = false;
      List<String> outcomes = new ArrayList<>();
      HostConnection c = null;
      // alternate between the two versions, as edits would, until each has been applied whole over the link
      int appliedWhole = 0;
      while (System.nanoTime() < deadline && appliedWhole < 6) {
        RenderedService want = appliedWhole % 2 == 0 ? next : old;
        attempts++;
        try {
          if (c == null || !c.isAlive()) {
            c = HostConnection.open(host.through(flaky.port(), "root"), TIMEOUT);
          }
          ServiceSync.Result r = sync.sync(c, want);
          if (r.plan().isNoop() && onHost(want).equals(expected(want))) {
            appliedWhole++;
          }
        } catch (HostException e) {
          failures++;
          outcomes.add(e.getMessage().length() > 100 ? e.getMessage().substring(0, 100) : e.getMessage());
          if (c != null) {
            c.close();
            c = null;
          }
        }
        for (Map.Entry<String, String> f : onHost(want).entrySet()) {
          assertTrue(allowed.contains(f.getValue()), f.getKey() + " is neither old nor new after attempt " + attempts);
        }
      }
      if (c != null) {
        c.close();
      }
      converged = appliedWhole >= 6;
      System.out.printf("flaky (seed 17): %d attempts, %d failed: %s%n", attempts, failures, outcomes);
      assertTrue(converged, "did not converge over the flaky link: " + outcomes);
    }
    try (HostConnection direct = HostConnection.open(host.root(), TIMEOUT)) {
      ServiceSync.Result r = sync.sync(direct, old);
      assertTrue(r.plan().isNoop(), r.plan().describe());
      sync.probe(direct, old);
    }
    assertEquals(expected(old), onHost(old));
    for (HostFile f : old.files()) {
      assertEquals("", host.shOk("ls -a " + f.path().substring(0, f.path().lastIndexOf('/')) + " | grep '^[.]hostops[.]'; true"));
    }
  }

  /**
   * README "Updates and rollback": the apply starts the new image's download once the files are written and
   * waits up to 3 s for it on the host. That wait is the host's, so a slow SSH link changes nothing: a fast
   * download still restarts within the apply, a slow one is still left to the host with the old container
   * serving.
   */
  @Test
  void theEarlyPullBehavesOnASlowLinkAsOnAFastOne() throws Exception {
    String name = "earlypull";
    String reg = host.registryLink(0);
    ServiceSync sync = new ServiceSync(TIMEOUT);
    try (NetworkLink slow = host.behind(NetworkLink.Profile.SLOW);
         HostConnection c = HostConnection.open(host.through(slow.port(), "root"), TIMEOUT)) {
      RenderedService v1 = ServiceRenderer.render(ServiceSyncTest.service(name, reg + "/hostops/demo:v1", null, null));
      assertTrue(sync.sync(c, v1).seen().container().isRunning());

      // a download that ends within the 3 s: restarted by the apply itself, on the new image
      host.sh("docker rmi -f " + reg + "/hostops/demo:v2");
      RenderedService v2 = ServiceRenderer.render(ServiceSyncTest.service(name, reg + "/hostops/demo:v2", null, null));
      long t0 = System.nanoTime();
      ServiceSync.Result fast = sync.sync(c, v2);
      double fastSeconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(null, fast.seen().restart(), fast.seen().toString());
      assertTrue(fast.seen().container().isRunning(), fast.seen().toString());
      assertEquals(host.shOk("docker image inspect -f '{{.Id}}' " + reg + "/hostops/demo:v2"),
          host.shOk("docker inspect -f '{{.Image}}' " + name));

      // a download that outlasts the 3 s: left to the host, the apply returns, the old container serves
      String oldStart = host.shOk("docker inspect -f '{{.State.StartedAt}}' " + name);
      host.sh("docker rmi -f " + reg + "/hostops/demo:latest");
      host.registryLink(1);
      RenderedService latest = ServiceRenderer.render(ServiceSyncTest.service(name, reg + "/hostops/demo:latest", null,
          null));
      t0 = System.nanoTime();
      ServiceSync.Result left = sync.sync(c, latest);
      double leftSeconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(ServiceObservation.Restart.PULLING, left.seen().restart(), left.seen().toString());
      assertEquals(oldStart, host.shOk("docker inspect -f '{{.State.StartedAt}}' " + name), "the old container serves");
      long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
      ServiceObservation seen = left.seen();
      while (seen.restart() != null && System.nanoTime() < deadline) {
        Thread.sleep(500);
        seen = sync.probe(c, latest);
      }
      assertEquals(null, seen.restart(), seen.toString());
      assertEquals(host.shOk("docker image inspect -f '{{.Id}}' " + reg + "/hostops/demo:latest"),
          host.shOk("docker inspect -f '{{.Image}}' " + name));
      System.out.printf("early pull over slow: fast download restarted within the apply (%.1f s); slow download left"
          + " to the host (apply %.1f s), restarted %.1f s after the apply began%n", fastSeconds, leftSeconds,
          (System.nanoTime() - t0) / 1e9);
      assertTrue(sync.remove(c, name, v1.owner()));
    } finally {
      host.registryLink(0);
    }
  }
}
