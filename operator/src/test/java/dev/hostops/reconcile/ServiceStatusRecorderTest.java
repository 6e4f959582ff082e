package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServiceStatusRecorderTest {
  @Test
  void aLostLinkIsOneProblemHoweverEachAttemptFails() {
    String reset = "unreachable: ssh to 10.0.0.5:22 failed: Connection reset";
    String closed = "unreachable: ssh handshake with 10.0.0.5:22 failed: Server closed connection during identification exchange";
    assertTrue(ServiceStatusRecorder.sameProblem(reset, closed), "the same outage: one Warning");
    assertTrue(ServiceStatusRecorder.sameProblem(closed, closed));
  }

  @Test
  void anotherKindOfFaultIsNews() {
    String lost = "unreachable: ssh to 10.0.0.5:22 failed: Connection reset";
    String noKey = "Host web-1 names SSH key Secret web-key, which does not exist";
    assertFalse(ServiceStatusRecorder.sameProblem(lost, noKey));
    assertFalse(ServiceStatusRecorder.sameProblem(noKey, lost));
    assertFalse(ServiceStatusRecorder.sameProblem(null, lost), "the first fault");
    assertFalse(ServiceStatusRecorder.sameProblem("the Host's pull Secret a not found", "the Host's pull Secret b not found"));
  }
}
