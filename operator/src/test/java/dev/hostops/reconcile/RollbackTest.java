package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.condition;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.RolloutSpec;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Updates and rollback without a script, on three real hosts: demo:v1 → a release that exits at once,
 * with autoRevert: the first host is put back on v1 by digest, the other two never leave v1, and
 * status and an Event say which image failed where. Then a good update to v2, and a rollback to v1 in
 * one field (spec.image set to status.rollout.previousImage) while the registry is unreachable.
 */
class RollbackTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final List<String> NAMES = List.of("h1", "h2", "h3");
  private static OperatorHarness k8s;
  private static List<TestHost> hosts;

  @BeforeAll
  static void start() throws Exception {
    hosts = HOSTS.boot("rb1", "rb2", "rb3");
    k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(10));
    for (int i = 0; i < 3; i++) {
      k8s.addHost(hosts.get(i), NAMES.get(i), "root", Map.of());
    }
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  @Test
  void aFailingReleaseIsRevertedOnTheFirstHostAndRolledBackInOneField() throws Exception {
    TestHost first = hosts.get(0);
    String v1 = first.image("hostops/demo:v1");
    HostService s = OperatorHarness.service("web", v1, "h1", "h2", "h3");
    s.getSpec().pull = "Always";
    s.getSpec().rollout = new RolloutSpec();
    s.getSpec().rollout.maxUnavailable = 1;
    s.getSpec().rollout.minReadySeconds = 3;
    s.getSpec().rollout.autoRevert = true;
    k8s.create(s);
    HostService ready = k8s.awaitReady("web", WAIT);
    Await.until(WAIT, () -> RolloutStatus.COMPLETE.equals(k8s.get("web").getStatus().rollout.phase),
        () -> describe(k8s.get("web")));
    String d1 = on(ready, "h1").imageDigest;
    assertTrue(d1.contains("/hostops/demo@sha256:"), "status shows the digest: " + d1);
    String v1Id = first.shOk("docker inspect -f '{{.Image}}' web");
    Map<String, String> startedOnV1 = started();

    // a release that exits at once
    String broken = first.image("hostops/demo:broken");
    k8s.edit("web", e -> e.getSpec().image = broken);
    Await.until(WAIT, () -> {
      HostService now = k8s.get("web");
      return RolloutStatus.REVERTED.equals(now.getStatus().rollout.phase) && "Reverted".equals(on(now, "h1").state);
    }, () -> describe(k8s.get("web")));
    HostService reverted = k8s.get("web");
    RolloutStatus rollout = reverted.getStatus().rollout;
    System.out.println("reverted: " + rollout.message);
    assertTrue(rollout.message.contains(broken) && rollout.message.contains("h1: its container exited"),
        "status says which image failed where: " + rollout.message);
    assertTrue(rollout.message.contains("h1 is back on " + d1), rollout.message);
    assertEquals(d1, on(reverted, "h1").revertedTo);
    assertEquals(v1Id, first.shOk("docker inspect -f '{{.Image}}' web"), "h1 runs v1 again");
    assertEquals("true", first.shOk("docker inspect -f '{{.State.Running}}' web"));
    assertEquals("RolloutReverted", reason(reverted, "Degraded"));
    assertEquals("False", condition(reverted, "Ready"));
    assertFalse(k8s.events("web", "RolloutReverted").isEmpty(), "an Event says it");
    for (String h : List.of("h2", "h3")) {
      assertEquals("Waiting", on(reverted, h).state, describe(reverted));
      assertEquals(d1, on(reverted, h).imageDigest);
    }
    // it stays that way: several resyncs later nothing else has moved
    Thread.sleep(8_000);
    HostService later = k8s.get("web");
    assertEquals(RolloutStatus.REVERTED, later.getStatus().rollout.phase);
    assertEquals("Reverted", on(later, "h1").state, describe(later));
    Map<String, String> startedNow = started();
    assertEquals(startedOnV1.get("h2"), startedNow.get("h2"), "h2 never left v1");
    assertEquals(startedOnV1.get("h3"), startedNow.get("h3"), "h3 never left v1");
    for (TestHost h : hosts.subList(1, 3)) {
      assertEquals(v1Id, h.shOk("docker inspect -f '{{.Image}}' web"));
      assertFalse(h.shOk("cat /etc/systemd/system/web.service").contains("demo:broken"), "not even written there");
    }

    // a good update reaches every host, the reverted one too
    String v2 = first.image("hostops/demo:v2");
    k8s.edit("web", e -> e.getSpec().image = v2);
    Await.until(WAIT, () -> {
      HostService now = k8s.get("web");
      return RolloutStatus.COMPLETE.equals(now.getStatus().rollout.phase) && OperatorHarness.ready(now);
    }, () -> describe(k8s.get("web")));
    HostService updated = k8s.get("web");
    String d2 = on(updated, "h1").imageDigest;
    assertNotEquals(d1, d2);
    for (String h : NAMES) {
      ServiceOnHost e = on(updated, h);
      assertEquals(d2, e.imageDigest, describe(updated));
      assertEquals(d1, e.previousImageDigest, describe(updated));
      assertEquals(null, e.revertedTo);
    }
    assertEquals(d1, updated.getStatus().rollout.previousImage, "the one value to roll back to");
    for (TestHost h : hosts) {
      assertEquals(v1Id, h.shOk("docker image inspect -f '{{.Id}}' hostops.local/previous/web:previous"),
          "the previous image is kept on " + h.name());
    }

    // rollback in one field, with the registry out of reach from every host
    String gateway = first.registry().substring(0, first.registry().indexOf(':'));
    String block = "OUTPUT -p tcp -d " + gateway + " --dport 5000 -j REJECT --reject-with tcp-reset";
    hosts.forEach(h -> h.shOk("iptables -I " + block));
    try {
      String back = updated.getStatus().rollout.previousImage;
      long t0 = System.nanoTime();
      k8s.edit("web", e -> e.getSpec().image = back);
      Await.until(WAIT, () -> {
        HostService now = k8s.get("web");
        return RolloutStatus.COMPLETE.equals(now.getStatus().rollout.phase) && OperatorHarness.ready(now);
      }, () -> describe(k8s.get("web")));
      System.out.printf("rollback to %s on 3 hosts without a registry: Ready in %.1f s%n", back,
          (System.nanoTime() - t0) / 1e9);
      HostService back1 = k8s.get("web");
      for (TestHost h : hosts) {
        assertEquals(v1Id, h.shOk("docker inspect -f '{{.Image}}' web"), h.name() + " runs v1");
      }
      for (String h : NAMES) {
        assertEquals(d1, on(back1, h).imageDigest);
        assertEquals(d2, on(back1, h).previousImageDigest);
        assertFalse(on(back1, h).message.startsWith("pull failed"), on(back1, h).message);
      }
    } finally {
      hosts.forEach(h -> h.sh("iptables -D " + block));
    }
    k8s.delete("web");
  }

  private static Map<String, String> started() {
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < 3; i++) {
      m.put(NAMES.get(i), hosts.get(i).shOk("docker inspect -f '{{.State.StartedAt}}' web"));
    }
    return m;
  }

  private static String reason(HostService s, String type) {
    return s.getStatus().conditions.stream().filter(c -> type.equals(c.type)).findFirst()
        .map(c -> c.reason).orElse(null);
  }
}
