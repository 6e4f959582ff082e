package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.RolloutSpec;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.host.ApplyPlan;
import dev.hostops.host.ServiceObservation;
import dev.hostops.render.References;
import dev.hostops.render.ServiceRenderer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RolloutDeciderTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  private static final References NONE = new References(Map.of(), Map.of());

  private static HostService service(boolean autoRevert) {
    HostService s = OperatorHarness.service("svc", "r/demo:v2", "a", "b");
    s.getMetadata().setGeneration(2L);
    s.getSpec().rollout = new RolloutSpec();
    s.getSpec().rollout.autoRevert = autoRevert;
    return s;
  }

  private static TargetHost host(HostService service, String name, ApplyPlan plan, ServiceObservation seen)
      throws Exception {
    Host host = new Host();
    host.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("team").build());
    ServiceOnHost before = new ServiceOnHost();
    before.host = name;
    before.imageDigest = "r/demo@sha256:1";
    return TargetHost.named(name, host, before, service.getSpec().image, null)
        .rendered(ServiceRenderer.render(service)).probed(null, seen, plan);
  }

  private static ServiceObserver.Observation probed(TargetHost... hosts) {
    return new ServiceObserver.Observation(List.of(hosts), List.of(), List.of());
  }

  @Test
  void aHostFailingOnTheNewImageHaltsTheRolloutAndHoldsTheOthers() throws Exception {
    HostService s = service(false);
    RolloutStatus rollout = new RolloutStatus(2L, "r/demo:v2", "r/demo:v1", RolloutStatus.PROGRESSING);
    var d = RolloutDecider.decide(s, NONE, probed(host(s, "a", RolloutTest.none(), RolloutTest.FAILED),
        host(s, "b", RolloutTest.change(), RolloutTest.HEALTHY_OLD)), rollout, NOW);
    assertEquals(RolloutStatus.HALTED, d.rollout().phase);
    assertEquals(RolloutStatus.PROGRESSING, rollout.phase, "the rollout it was given stays as it was");
    assertEquals(List.of("b"), d.held().stream().map(h -> h.target().name()).toList());
    assertEquals(d.halted(), d.held().get(0).message());
    assertTrue(d.halted().startsWith("rollout halted: a is failing"), d.halted());
    assertEquals(List.of("a"), d.changing().stream().map(TargetHost::name).toList());
    assertFalse(d.reverted());
  }

  @Test
  void autoRevertPinsTheFailingHostOnTheImageItRanBefore() throws Exception {
    HostService s = service(true);
    RolloutStatus rollout = new RolloutStatus(2L, "r/demo:v2", "r/demo:v1", RolloutStatus.PROGRESSING);
    ServiceObservation failedOnV2 = new ServiceObservation("svc", "ns/svc", List.of(), Map.of(),
        RolloutTest.FAILED.unit(), ServiceObservation.UnitState.UNKNOWN, new ServiceObservation.ContainerState(
        "exited", "2026-11-25T09:59:00Z", "sha256:2", List.of("r/demo@sha256:2"), "", 1, 1), false);
    var d = RolloutDecider.decide(s, NONE, probed(host(s, "a", RolloutTest.none(), failedOnV2),
        host(s, "b", RolloutTest.change(), RolloutTest.HEALTHY_OLD)), rollout, NOW);
    assertTrue(d.reverted());
    assertEquals(RolloutStatus.REVERTED, d.rollout().phase);
    TargetHost a = d.changing().get(0);
    assertEquals("r/demo@sha256:1", a.pinned());
    assertTrue(a.desired().files().stream().anyMatch(f -> f.contentAsText().contains("r/demo@sha256:1")),
        "rendered on the image it ran before");
    assertEquals(List.of("b"), d.held().stream().map(h -> h.target().name()).toList());
    assertTrue(d.rollout().message.contains("a is back on r/demo@sha256:1"), d.rollout().message);
  }
}
