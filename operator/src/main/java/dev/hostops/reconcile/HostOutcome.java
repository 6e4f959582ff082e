package dev.hostops.reconcile;

import dev.hostops.host.ServiceObservation;

/**
 * What became of one target host in a reconcile. The steps say what happened; ServiceStatusRecorder
 * alone turns it into the host's status entry and Events.
 */
sealed interface HostOutcome {
  TargetHost target();

  /** Not probed, with nothing worth keeping from before: a Host not found or not yet probed, no compose there. */
  record NotProbed(TargetHost target, ServiceState state, String message) implements HostOutcome {}

  /** Could not be reached or changed: what was last seen stays, and the state says it may be stale. */
  record Fault(TargetHost target, ServiceState state, Cause cause, String message) implements HostOutcome {}

  /**
   * Why a host is in fault, for machines (status.hosts[].reason); the message is for people. A lost link is one
   * problem however each attempt fails (reset, timeout, closed during the handshake).
   */
  enum Cause {
    /** The host did not answer, or the link broke. */
    LinkLost,
    /** The Host resource cannot be used to reach it (its key Secret missing, a bad field). */
    InvalidHost,
    /** The Host's own settings (its default pull Secrets) keep this service off it. */
    HostSettings,
    /** The host answered and the change failed there, or hostops failed. */
    Failed
  }

  /**
   * Sent a change, then silent. The script may have reached the host, where it runs to its end: until a probe
   * shows how it went, the rollout counts this host as changed and not yet healthy.
   */
  record Unanswered(TargetHost target, String message) implements HostOutcome {}

  /** The rollout holds it back. */
  record Held(TargetHost target, String message) implements HostOutcome {}

  /** The plan refused to touch the host, e.g. a file hostops did not write. */
  record Refused(TargetHost target, String refusal) implements HostOutcome {}

  /** Brought in line (or already was): how the host looks now. */
  record Synced(TargetHost target, ServiceObservation now) implements HostOutcome {}

  /** A host the service left: removed from there. */
  record Removed(TargetHost target) implements HostOutcome {}

  /** A host the service left, which could not be reached to remove it: it stays in status until then. */
  record RemovalPending(TargetHost target, String problem) implements HostOutcome {}
}
