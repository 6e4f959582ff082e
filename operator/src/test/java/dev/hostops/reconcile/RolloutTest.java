package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.host.ApplyPlan;
import dev.hostops.host.ServiceObservation;
import dev.hostops.host.ServiceObservation.ContainerState;
import dev.hostops.host.ServiceObservation.UnitState;
import dev.hostops.render.HostFile;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RolloutTest {
  private static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");

  static ServiceObservation seen(String active, String container, String startedAt, String health) {
    return new ServiceObservation("svc", "ns/svc", List.of(), Map.of(),
        new UnitState("loaded", active, "running", "enabled", "success", "0", "", ""), UnitState.UNKNOWN,
        new ContainerState(container, startedAt, "sha256:1", List.of(), health, 1, 1), false);
  }

  static ApplyPlan change() {
    return new ApplyPlan("svc", "ns/svc", List.of(), List.of(), List.of(HostFile.text("/etc/systemd/system/svc.service",
        "644", "x")), List.of(), true, List.of(), List.of(), List.of(), List.of(), List.of("svc.service"), List.of(), null);
  }

  static ApplyPlan none() {
    return new ApplyPlan("svc", "ns/svc", List.of(), List.of(), List.of(), List.of(), false, List.of(), List.of(),
        List.of(), List.of(), List.of(), List.of(), null);
  }

  static final ServiceObservation HEALTHY_OLD = seen("active", "running", "2026-11-25T09:00:00Z", "");
  static final ServiceObservation JUST_STARTED = seen("active", "running", "2026-11-25T09:59:58Z", "");
  static final ServiceObservation FAILED = seen("failed", "exited", "2026-11-25T09:59:00Z", "");

  @Test
  void changesAtMostMaxUnavailableHealthyHostsAtOnce() {
    var d = Rollout.decide(List.of(
        new Rollout.Candidate("a", change(), HEALTHY_OLD, false),
        new Rollout.Candidate("b", change(), HEALTHY_OLD, false),
        new Rollout.Candidate("c", change(), HEALTHY_OLD, false)), 1, 5, NOW);
    assertEquals(Set.of("b", "c"), d.held());
    assertNull(d.halted());
  }

  @Test
  void aHostStillSettlingOnTheNewVersionUsesTheBudget() {
    var d = Rollout.decide(List.of(
        new Rollout.Candidate("a", none(), JUST_STARTED, false),
        new Rollout.Candidate("b", change(), HEALTHY_OLD, false)), 1, 5, NOW);
    assertEquals(Set.of("b"), d.held(), "a started 2 s ago, minReadySeconds is 5");
    var later = Rollout.decide(List.of(
        new Rollout.Candidate("a", none(), JUST_STARTED, false),
        new Rollout.Candidate("b", change(), HEALTHY_OLD, false)), 1, 1, NOW);
    assertEquals(Set.of(), later.held(), "with minReadySeconds 1, a is healthy");
  }

  @Test
  void aFailingHostOnTheNewVersionHaltsEverything() {
    var d = Rollout.decide(List.of(
        new Rollout.Candidate("a", none(), FAILED, false),
        new Rollout.Candidate("b", change(), HEALTHY_OLD, false),
        new Rollout.Candidate("c", change(), HEALTHY_OLD, false)), 3, 5, NOW);
    assertEquals(Set.of("b", "c"), d.held());
    assertTrue(d.halted().startsWith("rollout halted: a is failing on the new version"), d.halted());
  }

  @Test
  void hostsWithNothingRunningAreNotHeld() {
    ServiceObservation stopped = seen("inactive", "absent", null, "");
    var d = Rollout.decide(List.of(
        new Rollout.Candidate("a", change(), HEALTHY_OLD, false),
        new Rollout.Candidate("b", change(), stopped, false)), 1, 5, NOW);
    assertEquals(Set.of(), d.held(), "b has nothing to keep available; a uses the budget of one");
  }

  @Test
  void dockerHealthDecides() {
    assertEquals("settling", Rollout.health(seen("active", "running", "2026-11-25T09:00:00Z", "starting"), 5, NOW));
    assertEquals("failed", Rollout.health(seen("active", "running", "2026-11-25T09:00:00Z", "unhealthy"), 5, NOW));
    assertEquals("healthy", Rollout.health(seen("active", "running", "2026-11-25T09:00:00Z", "healthy"), 5, NOW));
  }

  static ServiceObservation restarting() {
    return new ServiceObservation("svc", "ns/svc", List.of(), Map.of(),
        new UnitState("loaded", "activating", "auto-restart", "enabled", "exit-code", "3", "", ""), UnitState.UNKNOWN,
        new ContainerState("exited", "2026-11-25T09:59:59Z", "sha256:2", List.of(), "", 0, 1), false);
  }

  @Test
  void aContainerThatExitsAndIsRestartedIsFailingNotSettling() {
    assertEquals("failed", Rollout.health(restarting(), 5, NOW));
    assertEquals("its container exited (exit status 3) and systemd is restarting it", Rollout.why(restarting()));
    var d = Rollout.decide(List.of(
        new Rollout.Candidate("a", none(), restarting(), false),
        new Rollout.Candidate("b", change(), HEALTHY_OLD, false)), 1, 5, NOW);
    assertEquals(List.of("a"), d.failing());
    assertEquals(Set.of("b"), d.held());
    assertFalse(d.complete());
  }

  @Test
  void completeOnlyWhenEveryHostRunsTheNewVersionPastMinReady() {
    assertTrue(Rollout.decide(List.of(new Rollout.Candidate("a", none(), HEALTHY_OLD, false),
        new Rollout.Candidate("b", none(), HEALTHY_OLD, false)), 1, 5, NOW).complete());
    assertFalse(Rollout.decide(List.of(new Rollout.Candidate("a", none(), JUST_STARTED, false)), 1, 5, NOW).complete(),
        "still settling");
    assertFalse(Rollout.decide(List.of(new Rollout.Candidate("a", none(), HEALTHY_OLD, false),
        new Rollout.Candidate("b", change(), HEALTHY_OLD, false)), 1, 5, NOW).complete(), "b not changed yet");
  }

  @Test
  void aHostThatWasSentTheChangeAndWentSilentUsesTheBudget() {
    var d = Rollout.decide(List.of(
        new Rollout.Candidate("b", change(), HEALTHY_OLD, false),
        new Rollout.Candidate("c", change(), HEALTHY_OLD, false)), 1, 1, 5, NOW);
    assertEquals(Set.of("b", "c"), d.held(), "a timed out mid-apply: it may be failing on the new version");
    assertFalse(d.complete());
    var two = Rollout.decide(List.of(
        new Rollout.Candidate("b", change(), HEALTHY_OLD, false),
        new Rollout.Candidate("c", change(), HEALTHY_OLD, false)), 1, 2, 5, NOW);
    assertEquals(Set.of("c"), two.held());
  }
}
