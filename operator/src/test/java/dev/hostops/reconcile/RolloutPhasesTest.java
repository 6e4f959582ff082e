package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.ServiceOnHost;
import java.util.List;
import org.junit.jupiter.api.Test;

class RolloutPhasesTest {
  private static HostService service(long generation, String image) {
    HostService s = OperatorHarness.service("web", image, "h1");
    s.getMetadata().setGeneration(generation);
    return s;
  }

  private static RolloutStatus phase(long generation, String image, String from, String phase) {
    return new RolloutStatus(generation, image, from, phase);
  }

  @Test
  void aNewGenerationStartsARolloutFromTheLastImageThatCompleted() {
    RolloutStatus first = RolloutPhases.start(null, service(1, "demo:v1"));
    assertEquals(RolloutStatus.PROGRESSING, first.phase);
    assertFalse(RolloutPhases.imageChanged(first), "a first rollout has nothing to go back to");

    RolloutStatus next = RolloutPhases.start(phase(1, "demo:v1", null, RolloutStatus.COMPLETE), service(2, "demo:v2"));
    assertEquals("demo:v1", next.fromImage);
    assertTrue(RolloutPhases.imageChanged(next));

    // v2 was reverted; an edit that keeps v2 still goes back to v1, not to v2
    RolloutStatus retry = RolloutPhases.start(phase(2, "demo:v2", "demo:v1", RolloutStatus.REVERTED),
        service(3, "demo:v2"));
    assertEquals("demo:v1", retry.fromImage);
    assertTrue(RolloutPhases.imageChanged(retry));

    RolloutStatus envOnly = RolloutPhases.start(phase(3, "demo:v2", "demo:v1", RolloutStatus.COMPLETE),
        service(4, "demo:v2"));
    assertFalse(RolloutPhases.imageChanged(envOnly), "an env change has no earlier image to go back to");

    RolloutStatus same = RolloutPhases.start(phase(4, "demo:v2", "demo:v2", RolloutStatus.REVERTED), service(4, "x"));
    assertEquals(RolloutStatus.REVERTED, same.phase, "the same generation keeps its phase");
  }

  private static ServiceOnHost entry(String digest, String previous) {
    ServiceOnHost e = new ServiceOnHost();
    e.host = "h1";
    e.state = "Running";
    e.imageDigest = digest;
    e.previousImageDigest = previous;
    return e;
  }

  @Test
  void theRevertTargetIsTheImageBeforeTheOneRunningNow() {
    assertEquals("r@sha256:1", RolloutPhases.revertTarget(entry("r@sha256:1", null), "r@sha256:2"),
        "status was written before the new container appeared");
    assertEquals("r@sha256:1", RolloutPhases.revertTarget(entry("r@sha256:2", "r@sha256:1"), "r@sha256:2"));
    assertNull(RolloutPhases.revertTarget(entry("r@sha256:2", null), "r@sha256:2"), "nothing before");
    assertNull(RolloutPhases.revertTarget(null, "r@sha256:2"));
  }

  @Test
  void theImageHistoryMovesOnlyWhenTheImageChanges() {
    ServiceOnHost now = entry("r@sha256:2", null);
    RolloutPhases.record(now, entry("r@sha256:1", "r@sha256:0"), null);
    assertEquals("r@sha256:1", now.previousImageDigest);

    ServiceOnHost same = entry("r@sha256:2", null);
    RolloutPhases.record(same, entry("r@sha256:2", "r@sha256:1"), null);
    assertEquals("r@sha256:1", same.previousImageDigest, "a restart on the same image keeps the history");

    ServiceOnHost gone = entry(null, null);
    RolloutPhases.record(gone, entry("r@sha256:2", "r@sha256:1"), null);
    assertEquals("r@sha256:2", gone.imageDigest, "while the container is absent it shows what it last ran");

    ServiceOnHost held = entry("r@sha256:1", null);
    RolloutPhases.record(held, entry("r@sha256:2", "r@sha256:1"), "r@sha256:1");
    assertEquals("Reverted", held.state);
    assertEquals("r@sha256:1", held.revertedTo);
    assertEquals("r@sha256:2", held.previousImageDigest);
  }

  @Test
  void thePreviousImageToRollBackToIsTheOneEveryHostAgreesOn() {
    assertEquals("r@sha256:1", RolloutPhases.previousImage(
        List.of(entry("r@sha256:2", "r@sha256:1"), host("h2", "r@sha256:2", "r@sha256:1")), List.of("h1", "h2")));
    assertNull(RolloutPhases.previousImage(
        List.of(entry("r@sha256:2", "r@sha256:1"), host("h2", "r@sha256:2", "r@sha256:0")), List.of("h1", "h2")));
    assertNull(RolloutPhases.previousImage(List.of(entry("r@sha256:2", "r@sha256:1")), List.of("h1", "h2")),
        "a host without status yet");
  }

  private static ServiceOnHost host(String name, String digest, String previous) {
    ServiceOnHost e = entry(digest, previous);
    e.host = name;
    return e;
  }
}
