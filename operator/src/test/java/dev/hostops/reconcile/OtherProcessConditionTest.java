package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hostops.api.OtherProcessStatus;
import dev.hostops.host.OtherProcess;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The Host's Conflict condition as a function of what was seen and when: it holds still, and it clears. */
class OtherProcessConditionTest {
  private static final Instant NOW = Instant.parse("2026-12-04T10:00:00Z");
  private static final Duration MEMORY = Duration.ofMinutes(10);

  /** What the status says of the other process after a reconcile that saw {@code seen}, given the last status's. */
  private static OtherProcessStatus status(OtherProcess seen, OtherProcessStatus before) {
    return HostReconciler.otherProcess(seen, before, NOW, MEMORY);
  }

  private static String message(OtherProcess seen, OtherProcessStatus before) {
    return HostReconciler.otherProcessMessage(status(seen, before), "a-1:7");
  }

  @Test
  void namesTheOtherProcessAndWhenItWasFirstSeen() {
    assertEquals("another hostops process, d-1:42, also runs jobs on this host (between jobs of this process, a-1:7,"
        + " since 2026-12-04 09:59:30 UTC): two releases or shards manage it; declare this host once, in one shard",
        message(new OtherProcess("d-1:42", NOW.minusSeconds(30)), null));
  }

  @Test
  void anOngoingConflictKeepsItsMessageSoNothingIsWritten() {
    OtherProcessStatus before = status(new OtherProcess("d-1:42", NOW.minusSeconds(300)), null);
    assertEquals(message(new OtherProcess("d-1:42", NOW.minusSeconds(300)), null),
        message(new OtherProcess("d-1:42", NOW.minusSeconds(2)), before));
    assertEquals("2026-12-04T09:55:00Z", status(new OtherProcess("d-1:42", NOW.minusSeconds(2)), before).since);
    // another process than the one named: a new message, from when it was seen
    String other = message(new OtherProcess("d-2:43", NOW.minusSeconds(2)), before);
    assertEquals(true, other.startsWith("another hostops process, d-2:43,") && other.contains("since 2026-12-04 09:59:58 UTC"),
        other);
  }

  @Test
  void clearsWhenNoOtherProcessRanForAWhile() {
    assertNull(message(null, null));
    assertNull(status(null, new OtherProcessStatus("d-1:42", "2026-12-04T09:55:00Z")), "nothing seen: none in status");
    assertNull(message(new OtherProcess("d-1:42", NOW.minus(MEMORY).minusSeconds(1)), null),
        "a leader handover's single interleave is forgotten");
    assertEquals(Duration.ofMinutes(10), HostReconciler.otherProcessMemory(Duration.ofSeconds(60)));
    assertEquals(Duration.ofMinutes(30), HostReconciler.otherProcessMemory(Duration.ofMinutes(10)));
  }
}
