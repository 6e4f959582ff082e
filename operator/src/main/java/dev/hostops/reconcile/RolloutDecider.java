package dev.hostops.reconcile;

import dev.hostops.api.HostService;
import dev.hostops.api.RolloutSpec;
import dev.hostops.api.RolloutStatus;
import dev.hostops.host.ApplyPlanner;
import dev.hostops.render.References;
import dev.hostops.render.ServiceRenderer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decide: which probed hosts change now. The rollout (Rollout) holds hosts back, its phase moves
 * (RolloutPhases), and with spec.rollout.autoRevert a host failing on a new image is put back on the one it
 * ran before. Pure: nothing is touched on a host or written to status here.
 */
final class RolloutDecider {
  private static final Logger LOG = LoggerFactory.getLogger(RolloutDecider.class);

  private RolloutDecider() {}

  /**
   * @param changing hosts to bring in line now (some pinned back on their previous image)
   * @param held     hosts the rollout holds back
   * @param rollout  the rollout with its phase after this decision
   * @param halted   why the rollout stopped, or null
   * @param reverted autoRevert put hosts back just now
   */
  record Decision(List<TargetHost> changing, List<HostOutcome.Held> held, RolloutStatus rollout, String halted,
                  boolean reverted) {}

  /**
   * @param seen    every target host, probed or not: the rollout completes only when all were probed
   * @param rollout the rollout this reconcile works on (RolloutPhases.start)
   */
  static Decision decide(HostService service, References refs, ServiceObserver.Observation seen,
                         RolloutStatus rollout, Instant now) {
    return decide(service, refs, seen, rollout, null, now);
  }

  /** @param blocked why no running container may be replaced now (a restart whose lookup failed), or null */
  static Decision decide(HostService service, References refs, ServiceObserver.Observation seen,
                         RolloutStatus rollout, String blocked, Instant now) {
    RolloutSpec spec = service.getSpec().rolloutOrDefault();
    List<TargetHost> all = new ArrayList<>(seen.probed());
    List<TargetHost> moving = all.stream().filter(t -> t.pinned() == null).toList();
    Rollout.Decision decision = Rollout.decide(moving.stream()
            .map(t -> new Rollout.Candidate(t.name(), t.plan(), t.seen(),
                t.desired().scheduled() || t.desired().suspended()))
            .toList(),
        unseen(seen.notProbed()), spec.maxUnavailableOrDefault(), spec.minReadySecondsOrDefault(), now);
    String halted = decision.halted();
    Set<String> held = new HashSet<>(decision.held());
    String phase = rollout.phase;
    String message = rollout.message;
    boolean reverted = false;
    if (RolloutStatus.REVERTED.equals(rollout.phase)) {
      halted = rollout.message;
      moving.stream().filter(t -> Rollout.Candidate.disruptive(t.plan(), t.seen())).forEach(t -> held.add(t.name()));
    } else if (!decision.failing().isEmpty() && !RolloutStatus.COMPLETE.equals(rollout.phase)) {
      List<TargetHost> failing = moving.stream().filter(t -> decision.failing().contains(t.name())).toList();
      List<TargetHost> revert = spec.autoRevertOrDefault() && RolloutPhases.imageChanged(rollout)
          && service.getSpec().compose == null
          ? failing.stream().filter(t -> RolloutPhases.revertTarget(t.before(), t.imageDigest(t.seen())) != null)
          .toList()
          : List.of();
      if (!revert.isEmpty()) {
        String why = revert.stream().map(t -> t.name() + ": " + Rollout.why(t.seen()))
            .collect(Collectors.joining("; "));
        List<TargetHost> done = new ArrayList<>();
        for (TargetHost t : revert) {
          TargetHost back = pinBack(service, refs, t);
          if (back != null) {
            all.replaceAll(a -> a.name().equals(back.name()) ? back : a);
            done.add(back);
          }
        }
        phase = RolloutStatus.REVERTED;
        message = "rollout reverted: " + rollout.image + " failed within minReadySeconds on " + why + "; "
            + done.stream().map(t -> t.name() + " is back on " + t.pinned()).collect(Collectors.joining(", "))
            + ". Hosts not yet changed keep the previous version; change the spec to try again";
        reverted = true;
        halted = message;
        all.stream().filter(t -> t.pinned() == null && Rollout.Candidate.disruptive(t.plan(), t.seen()))
            .forEach(t -> held.add(t.name()));
      } else {
        phase = RolloutStatus.HALTED;
        message = halted + " (" + failing.stream().map(t -> t.name() + ": " + Rollout.why(t.seen()))
            .collect(Collectors.joining("; ")) + ")"
            + (spec.autoRevertOrDefault() && !RolloutPhases.imageChanged(rollout)
            ? "; not reverted: the image did not change, there is no earlier image to go back to" : "");
        halted = message;
      }
    } else if (decision.complete() && seen.notProbed().isEmpty() && !RolloutStatus.COMPLETE.equals(rollout.phase)) {
      phase = RolloutStatus.COMPLETE;
      message = null;
    } else if (RolloutStatus.HALTED.equals(rollout.phase) && decision.failing().isEmpty()) {
      phase = RolloutStatus.PROGRESSING;
      message = null;
    }
    if (blocked != null && halted == null) {
      halted = blocked;
      moving.stream().filter(t -> Rollout.Candidate.disruptive(t.plan(), t.seen())).forEach(t -> held.add(t.name()));
    }
    if (RolloutStatus.COMPLETE.equals(phase) && message == null && Boolean.TRUE.equals(rollout.restart)
        && !RolloutStatus.COMPLETE.equals(rollout.phase)) {
      message = "restarted for spec.restartedAt " + rollout.restartedAt + " on " + rollout.image
          + (ImageTracking.digest(rollout.image) == null ? " (nothing looked up: the image is not a pulled tag)"
          : RolloutPhases.imageChanged(rollout) ? " (was " + rollout.fromImage + ")"
          : "; a restart restarts even when the pull brings the digest the hosts already ran");
    }
    String waiting = halted != null ? halted
        : "waiting for the rollout (maxUnavailable " + spec.maxUnavailableOrDefault() + ")";
    List<HostOutcome.Held> holds = all.stream().filter(t -> held.contains(t.name()))
        .map(t -> new HostOutcome.Held(t, waiting)).toList();
    List<TargetHost> changing = all.stream().filter(t -> !held.contains(t.name())).toList();
    return new Decision(changing, holds, RolloutPhases.moveTo(rollout, phase, message), halted, reverted);
  }

  /** Hosts sent the new version that went silent since: they may be failing there, so they count as unavailable. */
  private static int unseen(List<HostOutcome> notProbed) {
    return (int) notProbed.stream()
        .filter(o -> o instanceof HostOutcome.Fault f && f.state() == ServiceState.Unreachable)
        .map(HostOutcome::target)
        .filter(t -> t.desired() != null && t.pinned() == null && t.before() != null
            && t.desired().hash().equals(t.before().appliedHash) && !wasUp(ServiceState.of(t.before())))
        .count();
  }

  /** Last seen up on what it was sent, so its silence says nothing about the new version. */
  private static boolean wasUp(ServiceState state) {
    return state == ServiceState.Running || state == ServiceState.Scheduled || state == ServiceState.Suspended
        || state == ServiceState.Reverted;
  }

  /** The host on the image it ran before the failing one; null when that does not render. */
  private static TargetHost pinBack(HostService service, References refs, TargetHost t) {
    String image = RolloutPhases.revertTarget(t.before(), t.imageDigest(t.seen()));
    try {
      var desired = ServiceObserver.render(RolloutPhases.withImage(service, image), refs, t.host());
      return t.pinnedTo(image, desired, ApplyPlanner.plan(desired, t.seen()));
    } catch (ServiceRenderer.InvalidServiceException e) {
      LOG.warn("hostservice={} host={} cannot revert: {}", ServiceRenderer.owner(service), t.name(), e.getMessage());
      return null;
    }
  }
}
