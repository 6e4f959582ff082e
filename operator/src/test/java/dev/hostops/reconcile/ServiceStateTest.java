package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hostops.api.ServiceOnHost;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ServiceStateTest {
  private static List<String> where(java.util.function.Predicate<ServiceState> test) {
    return Arrays.stream(ServiceState.values()).filter(test).map(Enum::name).toList();
  }

  @Test
  void eachStateCountsWhereStatusAlwaysCountedIt() {
    assertEquals(List.of("Running", "Scheduled"), where(ServiceState::isReady), "readyHosts");
    assertEquals(List.of("Failed", "Unreachable", "Refused", "Error", "Pending"), where(ServiceState::isProblem),
        "Degraded");
    assertEquals(List.of("Starting", "Waiting", "Removing"), where(ServiceState::isMoving), "Progressing");
    assertEquals(List.of("Running", "Scheduled", "Suspended", "Reverted"), where(ServiceState::isSettled),
        "the Host's drift check stands in for a probe");
    assertEquals(List.of("Stopped"), where(s -> !s.isReady() && !s.isProblem() && !s.isMoving() && !s.isSettled()));
    assertEquals(List.of("Running", "Scheduled", "Starting", "Stopped", "Suspended", "Failed"),
        where(ServiceState::isObserved), "a probe reports these; a message kept across syncs needs one");
  }

  @Test
  void anEntryWithoutAKnownStateHasNone() {
    ServiceOnHost entry = new ServiceOnHost();
    assertNull(ServiceState.of(entry));
    entry.state = "Exploded";
    assertNull(ServiceState.of(entry), "a state an older hostops wrote");
    entry.state = "Reverted";
    assertEquals(ServiceState.Reverted, ServiceState.of(entry));
    assertNull(ServiceState.of(null));
  }
}
