package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.RolloutSpec;
import dev.hostops.api.RolloutStatus;
import dev.hostops.testhosts.KubectlPlugin;
import dev.hostops.testhosts.Registry;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The runbook's deploy, done by hostops: a new :latest is pushed, and `kubectl hostops restart web` rolls it
 * through three real hosts one at a time (a sampler never sees two hosts without a running container), every
 * host ends on the same new digest, and status shows old and new. A second restart with nothing new pushed
 * restarts all the same. A restart while the registry is down changes nothing, says why, and goes on once the
 * registry is back.
 */
class RestartTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration WAIT = Duration.ofSeconds(180);
  private static final List<String> NAMES = List.of("h1", "h2", "h3");
  private static OperatorHarness k8s;
  private static List<TestHost> hosts;
  private static Path kubeconfig;

  @BeforeAll
  static void start() throws Exception {
    hosts = HOSTS.boot("rs1", "rs2", "rs3");
    k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(10));
    for (int i = 0; i < 3; i++) {
      k8s.addHost(hosts.get(i), NAMES.get(i), "root", Map.of());
    }
    // a person who may restart services: get and patch HostServices, read Hosts and their key Secrets (--host)
    k8s.client.resource(new RoleBuilder().withNewMetadata().withName("deployer").withNamespace(OperatorHarness.NS)
        .endMetadata().withRules(new PolicyRuleBuilder().withApiGroups("hostops.dev")
            .withResources("hostservices", "hosts").withVerbs("get", "list", "patch").build(),
            new PolicyRuleBuilder().withApiGroups("").withResources("secrets").withVerbs("get").build()).build())
        .serverSideApply();
    k8s.client.resource(new RoleBindingBuilder().withNewMetadata().withName("deployer")
        .withNamespace(OperatorHarness.NS).endMetadata().withNewRoleRef("rbac.authorization.k8s.io", "Role", "deployer")
        .addNewSubject().withKind("ServiceAccount").withName("deployer").withNamespace(OperatorHarness.NS).endSubject()
        .build()).serverSideApply();
    kubeconfig = k8s.api.kubeconfigAs(OperatorHarness.NS, "deployer");
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  @Test
  void aRestartRollsTheNewestLatestThroughTheFleetOneHostAtATime() throws Exception {
    String d1 = Registry.push("hostops/demo:v1", "hostops/rs-web:latest");
    // the hosts reach the registry through a proxy that can be turned off: "the registry is down"
    String registry = hosts.get(0).registryLink(0);
    HostService s = OperatorHarness.service("web", registry + "/hostops/rs-web:latest", "h1", "h2", "h3");
    s.getSpec().rollout = new RolloutSpec();
    s.getSpec().rollout.maxUnavailable = 1;
    s.getSpec().rollout.minReadySeconds = 3;
    s.getSpec().rollout.autoRevert = true;
    k8s.create(s);
    k8s.awaitReady("web", WAIT);
    for (String h : NAMES) {
      assertTrue(on(k8s.get("web"), h).imageDigest.endsWith(d1), describe(k8s.get("web")));
    }

    // a release: :latest moves to v2, and the team restarts the service
    String d2 = Registry.push("hostops/demo:v2", "hostops/rs-web:latest");
    assertNotEquals(d1, d2);
    Map<String, String> started = started();
    Sampler sampler = new Sampler();
    KubectlPlugin.Run run = KubectlPlugin.run(kubeconfig, "restart", "web");
    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("restarting"), run.out());
    String restartedAt = k8s.get("web").getSpec().restartedAt;
    assertTrue(restartedAt != null, "the command set spec.restartedAt");
    HostService done = awaitComplete(restartedAt);
    sampler.stop();
    assertTrue(sampler.worst.get() <= 1, "at most one host at a time without a running container, saw "
        + sampler.worst.get());
    assertTrue(sampler.rounds.get() > 20, "the sampler ran: " + sampler.rounds.get());
    for (String h : NAMES) {
      assertTrue(on(done, h).imageDigest.endsWith(d2), h + " runs the new :latest: " + describe(done));
      assertTrue(on(done, h).previousImageDigest.endsWith(d1), h + " shows the digest before: " + describe(done));
    }
    assertTrue(done.getStatus().rollout.image.endsWith("@" + d2), "pinned to one digest: " + done.getStatus().rollout.image);
    Map<String, String> after = started();
    for (TestHost h : hosts) {
      assertNotEquals(started.get(h.name()), after.get(h.name()), h.name() + " restarted");
      assertTrue(h.shOk("docker inspect -f '{{.Config.Labels}}' web").contains("v2"), h.name() + " runs v2");
    }

    // nothing new pushed: a restart restarts all the same, and says so
    KubectlPlugin.Run again = KubectlPlugin.run(kubeconfig, "restart", "web");
    assertEquals(0, again.exit(), again.err());
    HostService same = awaitComplete(k8s.get("web").getSpec().restartedAt);
    Map<String, String> third = started();
    for (TestHost h : hosts) {
      assertNotEquals(after.get(h.name()), third.get(h.name()), h.name() + " restarted on the same digest");
    }
    assertTrue(same.getStatus().rollout.message.contains("restarts even when the pull brings the digest"),
        describe(same.getStatus().rollout));
    for (String h : NAMES) {
      assertTrue(on(same, h).imageDigest.endsWith(d2), describe(same));
    }

    // the registry is down: nothing is restarted, status says why; back up, the restart goes through
    String d3 = Registry.push("hostops/demo:latest", "hostops/rs-web:latest");
    dev.hostops.testhosts.NetworkLink.enable(hosts.get(0).name() + "-registry", false);
    try {
      KubectlPlugin.Run blocked = KubectlPlugin.run(kubeconfig, "restart", "web");
      assertEquals(0, blocked.exit(), blocked.err());
      Await.until(Duration.ofSeconds(60), () -> {
        HostService now = k8s.get("web");
        String degraded = now.getStatus().conditions.stream().filter(c -> "Degraded".equals(c.type))
            .map(c -> c.message).findFirst().orElse("");
        return degraded.contains("waits") && degraded.contains("old containers keep serving");
      }, () -> describe(k8s.get("web")));
      Thread.sleep(8000);
      assertEquals(third, started(), "no container was restarted while the registry was down");
      assertTrue(k8s.events("web", "RestartWaiting").stream().anyMatch(m -> m.contains("rs-web")),
          String.valueOf(k8s.events("web", "RestartWaiting")));
    } finally {
      dev.hostops.testhosts.NetworkLink.enable(hosts.get(0).name() + "-registry", true);
    }
    HostService back = awaitComplete(k8s.get("web").getSpec().restartedAt);
    for (String h : NAMES) {
      assertTrue(on(back, h).imageDigest.endsWith(d3), describe(back));
    }
    k8s.delete("web");
  }

  /**
   * A registry the hosts reach and the operator does not (the machine's own packets to it are refused): with
   * spec.update.lookup Host the first host pulls the tag and says its digest, and the restart goes through;
   * the operator's own lookup says why it cannot.
   */
  @Test
  void aRegistryOnlyTheHostsReachIsLookedUpOnAHost() throws Exception {
    String d = Registry.push("hostops/demo:v2", "hostops/rs-hostonly:latest");
    String registry = hosts.get(1).registryLink(0);
    String port = registry.substring(registry.indexOf(':') + 1);
    String rule = "OUTPUT -p tcp -d " + registry.substring(0, registry.indexOf(':')) + " --dport " + port
        + " -j REJECT --reject-with tcp-reset";
    TestHosts.exec(List.of("sh", "-c", "iptables -I " + rule));
    try {
      HostService s = OperatorHarness.service("inner", registry + "/hostops/rs-hostonly:latest", "h1", "h2", "h3");
      s.getSpec().update = new dev.hostops.api.UpdateSpec();
      s.getSpec().update.lookup = "Host";
      k8s.create(s);
      Await.until(WAIT, () -> {
        HostService now = k8s.get("inner");
        return OperatorHarness.ready(now) && now.getStatus().update != null && d.equals(now.getStatus().update.digest)
            && NAMES.stream().allMatch(h -> on(now, h).imageDigest != null && on(now, h).imageDigest.endsWith(d));
      }, () -> describe(k8s.get("inner")));
      assertTrue(k8s.get("inner").getStatus().rollout.image.endsWith("@" + d));
      // the same tag looked up by the operator: it cannot, and says so; the hosts are left as they are
      k8s.edit("inner", e -> e.getSpec().update.lookup = "Operator");
      Map<String, String> before = startedOf("inner");
      KubectlPlugin.Run run = KubectlPlugin.run(kubeconfig, "restart", "inner");
      assertEquals(0, run.exit(), run.err());
      Await.until(Duration.ofSeconds(60), () -> {
        HostService now = k8s.get("inner");
        return condition(now, "Degraded").contains("waits") && now.getStatus().update.message != null
            && now.getStatus().update.message.startsWith("looking up " + registry);
      }, () -> describe(k8s.get("inner")));
      assertEquals(before, startedOf("inner"), "nothing restarted without a digest");
      k8s.edit("inner", e -> e.getSpec().update.lookup = "Host");
      Await.until(WAIT, () -> {
        HostService now = k8s.get("inner");
        return OperatorHarness.ready(now) && now.getStatus().rollout != null
            && now.getSpec().restartedAt.equals(now.getStatus().rollout.restartedAt)
            && RolloutStatus.COMPLETE.equals(now.getStatus().rollout.phase);
      }, () -> describe(k8s.get("inner")));
      Map<String, String> after = startedOf("inner");
      for (TestHost h : hosts) {
        assertNotEquals(before.get(h.name()), after.get(h.name()), h.name() + " restarted");
      }
    } finally {
      TestHosts.exec(List.of("sh", "-c", "iptables -D " + rule));
    }
    k8s.delete("inner");
  }

  private static String condition(HostService s, String type) {
    return s.getStatus() == null ? "" : s.getStatus().conditions.stream().filter(c -> type.equals(c.type))
        .map(c -> c.message).findFirst().orElse("");
  }

  private static Map<String, String> startedOf(String name) {
    Map<String, String> out = new HashMap<>();
    for (TestHost h : hosts) {
      out.put(h.name(), h.shOk("docker inspect -f '{{.State.StartedAt}}' " + name).strip());
    }
    return out;
  }

  private static HostService awaitComplete(String restartedAt) {
    Await.until(WAIT, () -> {
      HostService now = k8s.get("web");
      return OperatorHarness.ready(now) && now.getStatus().rollout != null
          && restartedAt.equals(now.getStatus().rollout.restartedAt)
          && RolloutStatus.COMPLETE.equals(now.getStatus().rollout.phase);
    }, () -> describe(k8s.get("web")));
    return k8s.get("web");
  }

  /** When each host's container started. */
  private static Map<String, String> started() {
    Map<String, String> out = new HashMap<>();
    for (TestHost h : hosts) {
      out.put(h.name(), h.shOk("docker inspect -f '{{.State.StartedAt}}' web").strip());
    }
    return out;
  }

  /** Counts, every 100 ms, the hosts whose container does not run; keeps the worst. */
  private static final class Sampler {
    final AtomicInteger worst = new AtomicInteger();
    final AtomicInteger rounds = new AtomicInteger();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Sampler() {
      thread = new Thread(() -> {
        while (running.get()) {
          int down = 0;
          for (TestHost h : hosts) {
            String state = h.sh("docker inspect -f '{{.State.Running}}' web 2>/dev/null").stdout().strip();
            if (!"true".equals(state)) {
              down++;
            }
          }
          worst.accumulateAndGet(down, Math::max);
          rounds.incrementAndGet();
          try {
            Thread.sleep(100);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "sampler");
      thread.start();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
