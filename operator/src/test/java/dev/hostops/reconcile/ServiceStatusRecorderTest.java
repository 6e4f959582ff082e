package dev.hostops.reconcile;

import static dev.hostops.reconcile.HostOutcome.Cause.HostSettings;
import static dev.hostops.reconcile.HostOutcome.Cause.InvalidHost;
import static dev.hostops.reconcile.HostOutcome.Cause.LinkLost;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Whether a fault is news (a Warning) is decided by its cause, never by how its message is worded. */
class ServiceStatusRecorderTest {
  @Test
  void aLostLinkIsOneProblemHoweverEachAttemptFails() {
    String reset = "unreachable: ssh to 10.0.0.5:22 failed: Connection reset";
    String closed = "unreachable: ssh handshake with 10.0.0.5:22 failed: Server closed connection during identification exchange";
    assertTrue(ServiceStatusRecorder.sameProblem(reset, "LinkLost", closed, LinkLost), "the same outage: one Warning");
    assertTrue(ServiceStatusRecorder.sameProblem(closed, "LinkLost", closed, LinkLost));
    // reworded for people, the same decision
    assertTrue(ServiceStatusRecorder.sameProblem("the link to 10.0.0.5 broke", "LinkLost", "no answer from 10.0.0.5",
        LinkLost));
  }

  @Test
  void anotherKindOfFaultIsNews() {
    String lost = "unreachable: ssh to 10.0.0.5:22 failed: Connection reset";
    String noKey = "Host web-1 names SSH key Secret web-key, which does not exist";
    assertFalse(ServiceStatusRecorder.sameProblem(lost, "LinkLost", noKey, InvalidHost));
    assertFalse(ServiceStatusRecorder.sameProblem(noKey, "InvalidHost", lost, LinkLost));
    assertFalse(ServiceStatusRecorder.sameProblem(null, null, lost, LinkLost), "the first fault");
    assertFalse(ServiceStatusRecorder.sameProblem("the Host's pull Secret a not found", "HostSettings",
        "the Host's pull Secret b not found", HostSettings));
    // a message that merely begins like a lost link's is not one
    assertFalse(ServiceStatusRecorder.sameProblem("unreachable: a", "InvalidHost", "unreachable: b", InvalidHost));
  }

  @Test
  void aStatusAnOlderHostopsWroteHasNoReasonSoADifferentMessageIsNews() {
    assertFalse(ServiceStatusRecorder.sameProblem("unreachable: a", null, "unreachable: b", LinkLost));
    assertTrue(ServiceStatusRecorder.sameProblem("unreachable: a", null, "unreachable: a", LinkLost));
  }
}
