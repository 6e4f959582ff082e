package dev.hostops.reconcile;

import dev.hostops.host.ApplyPlan;
import dev.hostops.host.ServiceObservation;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Which hosts may change now. A change that would replace a healthy running container is held
 * while {@code maxUnavailable} hosts on the new version are still settling, and everywhere once a
 * host on the new version fails. Derived from what the probes see each time; nothing is stored. Pure.
 */
final class Rollout {
  private Rollout() {}

  /**
   * One probed host.
   *
   * @param exempt scheduled or suspended services have no container to keep available
   */
  record Candidate(String host, ApplyPlan plan, ServiceObservation seen, boolean exempt) {
    boolean onNewVersion() {
      return plan.refusal() == null && plan.writes().isEmpty() && plan.removals().isEmpty();
    }

    /** Applying would replace a container that runs now. */
    boolean disruptive() {
      return disruptive(plan, seen);
    }

    static boolean disruptive(ApplyPlan plan, ServiceObservation seen) {
      return plan.restartsService() && !plan.writes().isEmpty() && seen.unit().isActive() && seen.container().isRunning();
    }
  }

  /**
   * @param held     hosts that must wait
   * @param halted   why the rollout stopped, or null
   * @param failing  hosts on the new version that fail, in order
   * @param complete every candidate runs the new version and has been healthy for minReadySeconds
   */
  record Decision(Set<String> held, String halted, List<String> failing, boolean complete) {}

  static Decision decide(List<Candidate> candidates, int maxUnavailable, int minReadySeconds, Instant now) {
    return decide(candidates, 0, maxUnavailable, minReadySeconds, now);
  }

  /**
   * @param unseen hosts that were sent the new version but did not answer since (an apply that timed out):
   *               they may be failing, so they count as unavailable, like hosts still settling
   */
  static Decision decide(List<Candidate> candidates, int unseen, int maxUnavailable, int minReadySeconds,
                         Instant now) {
    String halted = null;
    int settling = 0;
    List<String> failing = new ArrayList<>();
    boolean complete = true;
    for (Candidate c : candidates) {
      if (!c.onNewVersion()) {
        complete = false;
        continue;
      }
      if (c.exempt()) {
        continue;
      }
      switch (health(c.seen(), minReadySeconds, now)) {
        case "failed" -> {
          failing.add(c.host());
          complete = false;
          if (halted == null) {
            halted = "rollout halted: " + c.host() + " is failing on the new version; hosts not yet changed keep "
                + "the previous one";
          }
        }
        case "settling" -> {
          settling++;
          complete = false;
        }
        default -> { }
      }
    }
    Set<String> held = new LinkedHashSet<>();
    int budget = maxUnavailable - settling - unseen;
    for (Candidate c : candidates.stream().sorted(Comparator.comparing(Candidate::host)).toList()) {
      if (!c.disruptive()) {
        continue;
      }
      if (halted != null || budget <= 0) {
        held.add(c.host());
      } else {
        budget--;
      }
    }
    return new Decision(held, halted, List.copyOf(failing), complete && unseen == 0 && !candidates.isEmpty());
  }

  /** Why a host counts as failing, in words for status and Events. */
  static String why(ServiceObservation seen) {
    if ("unhealthy".equals(seen.container().health())) {
      return "Docker reports its container unhealthy";
    }
    String exit = seen.unit().exitStatus() == null || seen.unit().exitStatus().isEmpty() ? ""
        : " (exit status " + seen.unit().exitStatus() + ")";
    if ("auto-restart".equals(seen.unit().subState())) {
      return "its container exited" + exit + " and systemd is restarting it";
    }
    if ("failed".equals(seen.unit().activeState())) {
      return "its unit failed" + exit;
    }
    return "its container is " + seen.container().status() + " (unit " + seen.unit().summary() + ")";
  }

  /** healthy, settling (started less than minReady seconds ago, or health check starting), or failed. */
  static String health(ServiceObservation seen, int minReadySeconds, Instant now) {
    if ("unhealthy".equals(seen.container().health()) || "failed".equals(seen.unit().activeState())
        || "auto-restart".equals(seen.unit().subState())
        || !seen.unit().isStartingOrStopping() && !(seen.unit().isActive() && seen.container().isRunning())) {
      return "failed";
    }
    if (!seen.unit().isActive() || !seen.container().isRunning() || "starting".equals(seen.container().health())) {
      return "settling";
    }
    String started = seen.container().startedAt();
    if (started != null && !started.isEmpty()) {
      try {
        if (OffsetDateTime.parse(started).toInstant().plusSeconds(minReadySeconds).isAfter(now)) {
          return "settling";
        }
      } catch (RuntimeException e) {
        // an unparsable timestamp does not hold the rollout up
      }
    }
    return "healthy";
  }
}
