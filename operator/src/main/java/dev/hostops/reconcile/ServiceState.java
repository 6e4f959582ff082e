package dev.hostops.reconcile;

import dev.hostops.api.ServiceOnHost;
import java.util.Arrays;

/**
 * What a HostService is doing on one host: status.hosts[].state. The constants are spelled as status
 * shows them, so the CRD field stays the plain string users, kubectl columns and health checks read.
 */
enum ServiceState {
  Running, Scheduled, Starting, Stopped, Suspended, Failed, Waiting, Reverted, Unreachable, Refused, Error, Pending,
  Removing;

  /** Counts toward readyHosts: the service does what the spec asks on this host. */
  boolean isReady() {
    return this == Running || this == Scheduled;
  }

  /** Reported as Degraded. A Stopped service or a Reverted host is neither ready nor a problem by itself. */
  boolean isProblem() {
    return this == Failed || this == Unreachable || this == Refused || this == Error || this == Pending;
  }

  /** Something is under way on this host: the service is Progressing. */
  boolean isMoving() {
    return this == Starting || this == Waiting || this == Removing;
  }

  /** Left as last applied, so the Host's own drift check may stand in for a probe of this service. */
  boolean isSettled() {
    return this == Running || this == Scheduled || this == Suspended || this == Reverted;
  }

  /**
   * A state a probe of the service reports (what the unit and container were seen doing). The others say the host
   * was not seen, or held back, or refused: their messages are news of that reconcile, not of the service.
   */
  boolean isObserved() {
    return this == Running || this == Scheduled || this == Starting || this == Stopped || this == Suspended
        || this == Failed;
  }

  /** The state of a status entry; null when there is none, or one an older hostops wrote that this one lacks. */
  static ServiceState of(ServiceOnHost entry) {
    return entry == null ? null
        : Arrays.stream(values()).filter(s -> s.name().equals(entry.state)).findFirst().orElse(null);
  }
}
