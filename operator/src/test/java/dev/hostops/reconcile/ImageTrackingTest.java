package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.api.UpdateSpec;
import dev.hostops.api.UpdateStatus;
import dev.hostops.registry.TagLookup;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Which image a reconcile rolls out, for restarts and watched tags: pure, with a registry that answers as told. */
class ImageTrackingTest {
  private static final String TAG = "reg.example:5000/team/web:latest";
  private static final String A = "sha256:" + "a".repeat(64);
  private static final String B = "sha256:" + "b".repeat(64);
  private static final String C = "sha256:" + "c".repeat(64);
  private static final Instant NOW = Instant.parse("2026-12-07T12:00:00Z");

  private final List<String> asked = new ArrayList<>();
  private String answer = A;
  private String problem;

  private final ImageTracking.Lookup registry = (image, config, maxAge) -> {
    asked.add(image + " " + maxAge);
    return answer != null && problem == null ? new TagLookup.Answer(answer, null, NOW)
        : new TagLookup.Answer(null, problem, NOW);
  };

  private static HostService service(long generation) {
    HostService s = OperatorHarness.service("web", TAG, "h1");
    s.getMetadata().setGeneration(generation);
    return s;
  }

  private static RolloutStatus rollout(long generation, String image, String phase) {
    RolloutStatus r = new RolloutStatus(generation, image, null, phase);
    return r;
  }

  @Test
  void withoutRestartOrUpdateTheImageIsTheSpecsAndNothingIsAsked() {
    ImageTracking.Choice c = ImageTracking.choose(service(1), null, null, List.of(), registry, () -> null, NOW);
    assertEquals(TAG, c.image());
    assertTrue(asked.isEmpty());
    assertNull(c.update());
    assertEquals(RolloutStatus.PROGRESSING, c.rollout().phase);
  }

  @Test
  void aRestartPinsTheTagToTheDigestLookedUpOnceAndKeepsItForLaterRollouts() {
    HostService s = service(2);
    s.getSpec().restartedAt = "2026-12-07T11:59:00Z";
    RolloutStatus before = rollout(1, TAG, RolloutStatus.COMPLETE);
    ServiceOnHost h1 = new ServiceOnHost();
    h1.host = "h1";
    h1.imageDigest = "reg.example:5000/team/web@" + A;
    answer = B;
    ImageTracking.Choice c = ImageTracking.choose(s, before, null, List.of(h1), registry, () -> null, NOW);
    assertEquals(TAG + "@" + B, c.image());
    assertEquals("2026-12-07T11:59:00Z", c.rollout().restartedAt);
    assertEquals(TAG + "@" + A, c.rollout().fromImage, "what the hosts ran, by digest");
    assertEquals(Boolean.TRUE, c.rollout().restart);
    assertTrue(RolloutPhases.imageChanged(c.rollout()));
    assertEquals(1, asked.size());
    // the same rollout on the next reconcile: nothing asked again
    ImageTracking.Choice next = ImageTracking.choose(s, c.rollout(), null, List.of(h1), registry, () -> null, NOW);
    assertEquals(TAG + "@" + B, next.image());
    assertEquals(1, asked.size());
    // an env change later keeps the pinned digest
    HostService edited = service(3);
    edited.getSpec().restartedAt = "2026-12-07T11:59:00Z";
    ImageTracking.Choice later = ImageTracking.choose(edited, next.rollout(), null, List.of(h1), registry, () -> null, NOW);
    assertEquals(TAG + "@" + B, later.image());
    assertEquals(1, asked.size());
    assertEquals(null, later.rollout().restart, "an env change is no restart");
  }

  @Test
  void aRestartToTheSameDigestIsNoImageChangeSoNothingIsReverted() {
    HostService s = service(2);
    s.getSpec().restartedAt = "2026-12-07T11:59:00Z";
    ServiceOnHost h1 = new ServiceOnHost();
    h1.host = "h1";
    h1.imageDigest = "reg.example:5000/team/web@" + A;
    ImageTracking.Choice c = ImageTracking.choose(s, rollout(1, TAG, RolloutStatus.COMPLETE), null, List.of(h1),
        registry, () -> null, NOW);
    assertEquals(TAG + "@" + A, c.image());
    assertFalse(RolloutPhases.imageChanged(c.rollout()));
  }

  @Test
  void aRestartWhoseRegistryFailsWaitsAndKeepsTheRolloutItHad() {
    HostService s = service(2);
    s.getSpec().restartedAt = "2026-12-07T11:59:00Z";
    problem = "looking up reg.example:5000/team/web:latest: Connection refused";
    RolloutStatus before = rollout(1, TAG + "@" + A, RolloutStatus.COMPLETE);
    ImageTracking.Choice c = ImageTracking.choose(s, before, null, List.of(), registry, () -> null, NOW);
    assertTrue(c.blocked().contains("Connection refused") && c.blocked().contains("old containers keep serving"),
        c.blocked());
    assertEquals(Long.valueOf(1), c.rollout().generation, "the restart has not begun");
    assertNull(c.rollout().restartedAt);
  }

  @Test
  void aWatchedTagIsAskedOncePerIntervalAndANewDigestWaitsForTheRolloutUnderWay() {
    HostService s = service(1);
    s.getSpec().update = new UpdateSpec();
    s.getSpec().update.interval = "5m";
    UpdateStatus last = new UpdateStatus();
    last.image = TAG;
    last.digest = A;
    last.checkedAt = NOW.minusSeconds(60).toString();
    RolloutStatus moving = rollout(1, TAG + "@" + A, RolloutStatus.PROGRESSING);
    ImageTracking.Choice notDue = ImageTracking.choose(s, moving, last, List.of(), registry, () -> null, NOW);
    assertTrue(asked.isEmpty(), "not due for 4 more minutes");
    assertEquals(TAG + "@" + A, notDue.image());

    last.checkedAt = NOW.minus(Duration.ofMinutes(5)).toString();
    answer = B;
    ImageTracking.Choice due = ImageTracking.choose(s, moving, last, List.of(), registry, () -> null, NOW);
    assertEquals(List.of(TAG + " PT5M"), asked);
    assertEquals(TAG + "@" + A, due.image(), "B waits while A rolls out");
    assertEquals(B, due.update().digest);
    assertTrue(due.update().message.contains("waits for the rollout"), due.update().message);
    assertTrue(due.updated().contains(A) && due.updated().contains(B), due.updated());

    RolloutStatus done = rollout(1, TAG + "@" + A, RolloutStatus.COMPLETE);
    ImageTracking.Choice next = ImageTracking.choose(s, done, due.update(), List.of(), registry, () -> null, NOW);
    assertEquals(TAG + "@" + B, next.image());
    assertEquals(RolloutStatus.PROGRESSING, next.rollout().phase);
    assertEquals(TAG + "@" + A, next.rollout().fromImage);
  }

  @Test
  void aFailedDigestIsNotTriedAgainButTheNextOneIs() {
    HostService s = service(1);
    s.getSpec().update = new UpdateSpec();
    UpdateStatus last = new UpdateStatus();
    last.image = TAG;
    last.digest = B;
    last.failedDigest = B;
    last.checkedAt = NOW.minus(Duration.ofMinutes(10)).toString();
    RolloutStatus reverted = rollout(1, TAG + "@" + B, RolloutStatus.REVERTED);
    answer = B;
    ImageTracking.Choice again = ImageTracking.choose(s, reverted, last, List.of(), registry, () -> null, NOW);
    assertEquals(TAG + "@" + B, again.image(), "the reverted rollout stays as it is");
    assertEquals(RolloutStatus.REVERTED, again.rollout().phase);
    assertTrue(again.update().message.startsWith("waiting for a digest newer than " + B), again.update().message);

    answer = C;
    ImageTracking.Choice next = ImageTracking.choose(s, reverted, again.update(), List.of(), registry, () -> null,
        NOW.plus(Duration.ofMinutes(6)));
    assertEquals(TAG + "@" + C, next.image());
    assertEquals(RolloutStatus.PROGRESSING, next.rollout().phase);
  }

  @Test
  void aRegistryProblemIsReportedAndTheHostsStayPut() {
    HostService s = service(1);
    s.getSpec().update = new UpdateSpec();
    UpdateStatus last = new UpdateStatus();
    last.image = TAG;
    last.digest = A;
    problem = "looking up " + TAG + ": the registry refused the credentials: 401 Unauthorized";
    ImageTracking.Choice c = ImageTracking.choose(s, rollout(1, TAG + "@" + A, RolloutStatus.COMPLETE), last,
        List.of(), registry, () -> null, NOW);
    assertEquals(TAG + "@" + A, c.image());
    assertTrue(c.update().message.contains("401 Unauthorized") && c.update().message.contains("left as they are"),
        c.update().message);
    assertEquals(A, c.update().digest);
    assertNull(c.blocked());
  }
}
