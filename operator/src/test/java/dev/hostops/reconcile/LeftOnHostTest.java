package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceStatus;
import dev.hostops.api.ServiceOnHost;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * When a Host is let go by hand before its service is removed from it, the service's status is all that
 * says whether something of hostops' stays on that machine (the LeftOnHost Warning).
 */
class LeftOnHostTest {
  private static HostService withEntry(String state, String appliedHash) {
    ServiceOnHost entry = new ServiceOnHost();
    entry.host = "vm2";
    entry.state = state;
    entry.appliedHash = appliedHash;
    HostService service = new HostService();
    service.setStatus(new HostServiceStatus());
    service.getStatus().hosts = List.of(entry);
    return service;
  }

  @Test
  void anEntryThatAppliedSomethingIsLeft() {
    assertTrue(ServiceActuator.appliedOn(withEntry("Running", "abc"), "vm2"));
    assertFalse(ServiceActuator.appliedOn(withEntry("Running", "abc"), "vm1"), "another host");
  }

  @Test
  void aFaultWrittenWithoutWhatWasAppliedStillCounts() {
    // the ArgoCdIT run of 2026-12-08 00:22: an Unreachable entry written from a stale copy of the status
    assertTrue(ServiceActuator.appliedOn(withEntry("Unreachable", null), "vm2"));
    assertTrue(ServiceActuator.appliedOn(withEntry("Removing", null), "vm2"));
    assertTrue(ServiceActuator.appliedOn(withEntry("SomethingANewerHostopsWrote", null), "vm2"));
  }

  @Test
  void hostsHostopsNeverTouchedAreNotNamed() {
    assertFalse(ServiceActuator.appliedOn(withEntry("Pending", null), "vm2"), "Host not found or not probed yet");
    assertFalse(ServiceActuator.appliedOn(withEntry("Refused", null), "vm2"), "refused before applying");
    assertFalse(ServiceActuator.appliedOn(new HostService(), "vm2"), "no status at all");
  }
}
