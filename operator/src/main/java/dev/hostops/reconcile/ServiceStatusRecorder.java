package dev.hostops.reconcile;

import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceStatus;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.api.UpdateStatus;
import dev.hostops.host.ApplyPlan;
import dev.hostops.host.ServiceObservation;
import dev.hostops.metrics.OperatorMetrics;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Record: the one place that says what a HostService's status, Events and metrics say. Each host's
 * outcome becomes its status entry; readyHosts and the Ready, Progressing and Degraded conditions follow
 * from the entries. An Event is emitted when a host's state or problem is new, so an idle resync emits
 * none, and builds the same status as before, which StatusWrite then does not write.
 */
final class ServiceStatusRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceStatusRecorder.class);
  private static final Duration SETTLING = Duration.ofSeconds(2);
  /** A restart waiting for its registry asks again this soon. */
  private static final Duration BLOCKED_RETRY = Duration.ofSeconds(10);
  /** How the message of a host the operator cannot reach begins. */
  static final String UNREACHABLE = "unreachable: ";

  private final EventRecorder events;
  private final OperatorMetrics metrics;
  private final Duration resync;
  /**
   * What was last reported for each service on each host (uid/host: state and message), and each service's
   * last spec problem (uid/): whether something is news is decided against these first, so a reconcile that
   * read a status older than its own last write (the informer had not caught up) does not repeat a Warning.
   * A new leader starts empty and goes by status.
   */
  private final Map<String, String[]> reported = new ConcurrentHashMap<>();

  ServiceStatusRecorder(EventRecorder events, OperatorMetrics metrics, Duration resync) {
    this.events = events;
    this.metrics = metrics;
    this.resync = resync;
  }

  /** The status after a reconcile that reached the hosts; rescheduled sooner while the rollout moves. */
  UpdateControl<HostService> record(HostService service, HostServiceStatus previous, List<String> wanted,
                                    List<HostOutcome> outcomes, RolloutDecider.Decision decision) {
    return record(service, previous, wanted, outcomes, decision, null);
  }

  /** @param image the image chosen (a restart's or spec.update's lookup), or null */
  UpdateControl<HostService> record(HostService service, HostServiceStatus previous, List<String> wanted,
                                    List<HostOutcome> outcomes, RolloutDecider.Decision decision,
                                    ImageTracking.Choice image) {
    RolloutStatus rollout = decision.rollout();
    UpdateStatus update = image == null ? null : image.update();
    if (decision.reverted()) {
      events.warning(service, "RolloutReverted", rollout.message);
      LOG.warn("hostservice={} {}", ServiceRenderer.owner(service), rollout.message);
      if (update != null && ImageTracking.digest(rollout.image) != null) {
        // never tried again: the watcher waits for another digest
        update.failedDigest = ImageTracking.digest(rollout.image);
        update.message = "waiting for a digest newer than " + update.failedDigest + " (it failed on a host and was "
            + "reverted)";
      }
    }
    if (image != null && image.updated() != null) {
      events.normal(service, "ImageUpdated", image.updated());
      LOG.info("hostservice={} {}", ServiceRenderer.owner(service), image.updated());
    }
    String waitingKey = service.getMetadata().getUid() + "//restart"; // no Host name has a slash
    if (image != null && image.blocked() != null) {
      // once per restart and reason (this process's memory: a new leader may say it once more)
      String[] last = reported.put(waitingKey, new String[] {image.blocked()});
      if (last == null || !image.blocked().equals(last[0])) {
        events.warning(service, "RestartWaiting", image.blocked());
        LOG.warn("hostservice={} {}", ServiceRenderer.owner(service), image.blocked());
      }
    } else {
      reported.remove(waitingKey);
    }
    reported.remove(service.getMetadata().getUid() + "/"); // the spec is fine: a problem later is news again
    HostServiceStatus status = new HostServiceStatus();
    status.observedGeneration = service.getMetadata().getGeneration();
    for (HostOutcome outcome : outcomes) {
      ServiceOnHost entry = entry(service, outcome);
      if (entry != null) {
        status.hosts.add(entry);
      }
    }
    status.hosts.sort(Comparator.comparing(h -> h.host));
    rollout.previousImage = RolloutPhases.previousImage(status.hosts, wanted);
    status.rollout = rollout;
    status.update = update;

    String halted = decision.halted();
    boolean suspended = service.getSpec().suspend;
    long ready = status.hosts.stream().filter(h -> wanted.contains(h.host) && is(h, ServiceState::isReady)).count();
    status.readyHosts = ready + "/" + wanted.size();
    List<String> bad = new ArrayList<>();
    if (halted != null) {
      bad.add(halted);
    }
    status.hosts.stream().filter(h -> is(h, ServiceState::isProblem)).forEach(h -> bad.add(h.host + ": " + h.message));
    List<String> moving = status.hosts.stream().filter(h -> is(h, ServiceState::isMoving)).map(h -> h.host).toList();
    Conditions conditions = new Conditions(previous.conditions, service.getMetadata().getGeneration());
    if (wanted.isEmpty()) {
      conditions.set("Ready", false, "NoHosts", "no Host matches spec.hosts or spec.hostSelector");
    } else if (suspended) {
      long stopped = status.hosts.stream().filter(h -> ServiceState.of(h) == ServiceState.Suspended).count();
      conditions.set("Ready", false, "Suspended", "suspended: stopped on " + stopped + "/" + wanted.size() + " hosts");
    } else if (ready == wanted.size()) {
      conditions.set("Ready", true, "Running", "running on " + status.readyHosts + " hosts");
    } else {
      conditions.set("Ready", false, bad.isEmpty() ? "Starting" : "HostsNotReady",
          "running on " + status.readyHosts + " hosts" + (bad.isEmpty() ? "" : "; " + String.join("; ", bad)));
    }
    boolean progressing = !moving.isEmpty() && halted == null;
    String haltReason = RolloutStatus.REVERTED.equals(rollout.phase) ? "RolloutReverted" : "RolloutHalted";
    conditions.set("Progressing", progressing, progressing ? "RollingOut" : halted != null ? haltReason : "Settled",
        progressing ? "in progress on " + String.join(", ", moving) : halted != null ? halted : "nothing in progress");
    conditions.set("Degraded", !bad.isEmpty(), bad.isEmpty() ? "AsExpected" : halted != null ? haltReason
        : "HostsFailing", bad.isEmpty() ? "no host reports a problem" : String.join("; ", bad));
    status.conditions = conditions.list();
    service.setStatus(status);
    metrics.service(service.getMetadata().getNamespace(), service.getMetadata().getName(),
        !suspended && !wanted.isEmpty() && ready == wanted.size(), !bad.isEmpty());
    // every host runs the new version but the rollout waits for minReadySeconds: it completes at the next look,
    // not a resync later (kubectl wait on status.rollout.phase)
    boolean settling = halted == null && RolloutStatus.PROGRESSING.equals(rollout.phase) && !wanted.isEmpty()
        && ready == wanted.size() && startedWithin(status.hosts,
        Duration.ofSeconds(service.getSpec().rolloutOrDefault().minReadySecondsOrDefault() + 30L));
    Duration next = progressing || settling ? SETTLING
        : image != null && image.blocked() != null ? BLOCKED_RETRY : resync;
    if (update != null && service.getSpec().update != null) {
      // the next lookup of a watched tag, if it comes before the resync
      Duration interval = service.getSpec().update.intervalOrDefault();
      Duration untilCheck = update.checkedAt == null ? Duration.ZERO
          : Duration.between(Instant.now(), Instant.parse(update.checkedAt).plus(interval));
      if (untilCheck.compareTo(next) < 0) {
        next = untilCheck.isNegative() ? Duration.ofSeconds(1) : untilCheck.plusMillis(100);
      }
    }
    return UpdateControl.patchStatus(service).rescheduleAfter(next);
  }

  /**
   * The status of a spec that cannot be applied: the host entries stay as they were, but for hosts the
   * observe step could not probe meanwhile ({@code notProbed}): their entries say so (and their Warning is
   * recorded once, not on every resync).
   */
  UpdateControl<HostService> invalid(HostService service, HostServiceStatus previous, List<String> problems,
                                     List<HostOutcome> notProbed) {
    Map<String, ServiceOnHost> byHost = new LinkedHashMap<>();
    previous.hosts.forEach(h -> byHost.put(h.host, h));
    for (HostOutcome outcome : notProbed) {
      ServiceOnHost e = entry(service, outcome);
      if (e != null) {
        byHost.put(e.host, e);
      }
    }
    List<ServiceOnHost> hosts = new ArrayList<>(byHost.values());
    String message = String.join("; ", problems);
    String[] last = reported.put(service.getMetadata().getUid() + "/", new String[] {message});
    if (last != null ? !message.equals(last[0])
        : previous.conditions.stream().noneMatch(c -> "Degraded".equals(c.type) && message.equals(c.message))) {
      events.warning(service, "InvalidSpec", message);
      LOG.warn("hostservice={} invalid: {}", ServiceRenderer.owner(service), message);
    }
    HostServiceStatus status = new HostServiceStatus();
    status.observedGeneration = service.getMetadata().getGeneration();
    status.conditions = new Conditions(previous.conditions, service.getMetadata().getGeneration())
        .set("Ready", false, "InvalidSpec", message)
        .set("Progressing", false, "InvalidSpec", "nothing is applied until the spec is fixed")
        .set("Degraded", true, "InvalidSpec", message)
        .list();
    metrics.service(service.getMetadata().getNamespace(), service.getMetadata().getName(), false, true);
    status.hosts = hosts;
    status.readyHosts = notProbed.isEmpty() ? previous.readyHosts
        : hosts.stream().filter(h -> ServiceState.of(h) != null && ServiceState.of(h).isReady()).count() + "/"
            + hosts.size();
    // the rollout's memory (the image of the last complete rollout, a revert) outlives a bad edit
    status.rollout = previous.rollout;
    status.update = previous.update;
    service.setStatus(status);
    // a missing Secret or ConfigMap wakes the service when it appears; the resync is a safety net
    return UpdateControl.patchStatus(service).rescheduleAfter(resync);
  }

  /** A deleted service that could not be removed from every host yet. */
  void cleanupPending(HostService service, List<String> failed) {
    String message = "cannot remove from " + String.join("; ", failed) + " (retrying; to give up on a host, remove "
        + "its Host's finalizer)";
    events.warning(service, "CleanupPending", message);
    LOG.warn("hostservice={} {}", ServiceRenderer.owner(service), message);
  }

  /** A deleted service whose Hosts were let go by hand before it was removed from them: what stays where. */
  void leftOnHosts(HostService service, List<String> hosts) {
    String name = service.getMetadata().getName();
    String message = "left on " + String.join(", ", hosts) + ": the Host resource is gone, so unit " + name
        + ".service, container " + name + " and /root/" + name + " stay on that machine; remove them there by hand";
    events.warning(service, "LeftOnHost", message);
    LOG.warn("hostservice={} {}", ServiceRenderer.owner(service), message);
  }

  /** A deleted service gone from every host. */
  void deleted(HostService service) {
    String uid = service.getMetadata().getUid() + "/";
    reported.keySet().removeIf(k -> k.startsWith(uid));
    metrics.serviceDeleted(service.getMetadata().getNamespace(), service.getMetadata().getName());
  }

  /** The host's status entry for an outcome, with an Event when it is news; null when the host is gone. */
  private ServiceOnHost entry(HostService service, HostOutcome outcome) {
    String key = service.getMetadata().getUid() + "/" + outcome.target().name();
    ServiceOnHost entry = entry(service, outcome, last(key, outcome.target().before()));
    if (entry == null) {
      reported.remove(key);
    } else {
      reported.put(key, new String[] {entry.state, entry.message, entry.reason});
    }
    return entry;
  }

  /** The state, message and reason last reported for a service on a host: this process's own, else status's. */
  private String[] last(String key, ServiceOnHost before) {
    String[] mine = reported.get(key);
    return mine != null ? mine : before == null ? new String[] {null, null, null}
        : new String[] {before.state, before.message, before.reason};
  }

  private ServiceOnHost entry(HostService service, HostOutcome outcome, String[] last) {
    TargetHost t = outcome.target();
    ServiceOnHost entry;
    if (outcome instanceof HostOutcome.Removed) {
      events.normal(service, "Removed", "from " + t.name() + ": no longer targeted");
      LOG.info("hostservice={} host={} removed (no longer targeted)", ServiceRenderer.owner(service), t.name());
      return null;
    } else if (outcome instanceof HostOutcome.RemovalPending pending) {
      // the entry it had, until the removal succeeds
      entry = t.before();
      entry.state = ServiceState.Removing.name();
      entry.message = "not targeted any more; removal pending: " + pending.problem();
      return entry;
    } else if (outcome instanceof HostOutcome.NotProbed notProbed) {
      entry = entry(t.name(), notProbed.state(), notProbed.message());
    } else if (outcome instanceof HostOutcome.Fault fault) {
      entry = fault(service, t, fault.state(), fault.cause(), fault.message(), last);
    } else if (outcome instanceof HostOutcome.Unanswered unanswered) {
      entry = fault(service, t, ServiceState.Unreachable, HostOutcome.Cause.LinkLost, unanswered.message(), last);
      entry.appliedHash = t.desired().hash();
    } else if (outcome instanceof HostOutcome.Held held) {
      entry = observed(t, t.seen());
      entry.state = ServiceState.Waiting.name();
      entry.message = held.message();
      entry.appliedHash = t.before() == null ? null : t.before().appliedHash;
    } else if (outcome instanceof HostOutcome.Refused refused) {
      entry = observed(t, t.seen());
      entry.state = ServiceState.Refused.name();
      entry.message = refused.refusal();
      entry.appliedHash = t.before() == null ? null : t.before().appliedHash;
      if (!ServiceState.Refused.name().equals(last[0])) {
        events.warning(service, "Refused", "on " + t.name() + ": " + refused.refusal());
      }
    } else {
      entry = synced(service, t, ((HostOutcome.Synced) outcome).now(), last);
    }
    RolloutPhases.record(entry, t.before(), t.pinned());
    return entry;
  }

  private ServiceOnHost synced(HostService service, TargetHost t, ServiceObservation after, String[] last) {
    ApplyPlan plan = t.plan();
    ServiceOnHost before = t.before();
    // an update whose image still downloads: the host restarts the unit once it is there
    String downloading = after.restart() != ServiceObservation.Restart.PULLING ? null
        : "the restart waits for the download of " + t.desired().pulls().stream().map(w -> w.get(w.size() - 1))
        .collect(Collectors.joining(", ")) + "; the old container serves until then";
    String applied = plan.isNoop() ? null : plan.describe() + (downloading == null ? "" : " (" + downloading + ")");
    if (applied != null) {
      events.normal(service, "Applied", "on " + t.name() + ": " + applied);
      LOG.info("hostservice={} host={} {}", ServiceRenderer.owner(service), t.name(), applied);
    }
    ServiceOnHost entry = observed(t, after);
    entry.appliedHash = t.desired().hash();
    if (downloading != null) {
      entry.state = ServiceState.Starting.name();
      entry.message = applied != null ? applied : downloading;
      return entry;
    }
    ServiceState state = ServiceState.of(entry);
    // what was last said about the host stays while it is in the same state; a probe never reports the states
    // whose messages say the host was not seen (Unreachable, Pending) or held back (Waiting), so those go
    entry.message = applied != null ? applied
        : before != null && before.message != null && Objects.equals(before.state, entry.state)
        && state != null && state.isObserved() ? before.message : "in sync";
    String failedPull = after.unit().failedPull();
    String dockerError = after.dockerErrorSummary();
    if (failedPull != null && !t.desired().scheduled()) {
      // the pull failed (registry down, or credentials refused): say so, and what Docker said
      entry.message = state == ServiceState.Running
          ? "pull failed: `docker pull " + failedPull + "` failed at the last start; running the image the host had"
          : "pull failed: `docker pull " + failedPull + "` failed at the last start, and the service is not running ("
          + entry.unit + "): is there no image of it on the host?"
          + (dockerError == null ? "" : " " + dockerError);
      if (!entry.message.equals(last[1])) {
        events.warning(service, "PullFailed", "on " + t.name() + ": " + entry.message);
      }
    } else if (dockerError != null && state != ServiceState.Running) {
      entry.message = dockerError;
    }
    if (state == ServiceState.Failed && !ServiceState.Failed.name().equals(last[0])) {
      events.warning(service, "Failed", "on " + t.name() + ": unit " + entry.unit + ", container " + entry.container
          + (entry.lastResult != null ? ", last run " + entry.lastResult : "")
          + (dockerError != null ? "; " + dockerError : ""));
    }
    return entry;
  }

  private ServiceOnHost fault(HostService service, TargetHost t, ServiceState state, HostOutcome.Cause cause,
                              String message, String[] last) {
    ServiceOnHost entry = entry(t.name(), state, message);
    entry.reason = cause.name();
    ServiceOnHost before = t.before();
    if (before != null) {
      // What was last seen stays visible; the state says it may be stale.
      entry.unit = before.unit;
      entry.container = before.container;
      entry.imageDigest = before.imageDigest;
      entry.appliedHash = before.appliedHash;
      entry.startedAt = before.startedAt;
    }
    if (!state.name().equals(last[0]) || !sameProblem(last[1], last[2], message, cause)) {
      events.warning(service, state.name(), "on " + t.name() + ": " + message);
      LOG.warn("hostservice={} host={} {}: {}", ServiceRenderer.owner(service), t.name(), state, message);
    }
    return entry;
  }

  /**
   * Whether a fault tells the same problem as the one already reported ({@code before}, with its reason). A
   * lost link is one problem however each attempt fails (reset, timeout, closed during the handshake): its
   * Warning goes out once, while the entry shows the latest attempt's words.
   */
  static boolean sameProblem(String before, String beforeReason, String now, HostOutcome.Cause cause) {
    return now.equals(before) || cause == HostOutcome.Cause.LinkLost && cause.name().equals(beforeReason);
  }

  /** The status entry for what a probe saw. */
  private static ServiceOnHost observed(TargetHost t, ServiceObservation seen) {
    ServiceOnHost entry = new ServiceOnHost();
    entry.host = t.name();
    RenderedService desired = t.desired();
    entry.unit = seen.unit().summary();
    entry.container = seen.container().total() > 1 ? seen.container().running() + "/" + seen.container().total()
        + " running" : seen.container().status();
    entry.startedAt = seen.container().startedAt();
    entry.health = seen.container().health() == null || seen.container().health().isEmpty() ? null
        : seen.container().health();
    entry.imageDigest = t.imageDigest(seen);
    ServiceState state;
    if (desired.suspended()) {
      state = seen.unit().isActive() || seen.timer().isActive() ? ServiceState.Starting : ServiceState.Suspended;
    } else if (desired.scheduled()) {
      entry.unit = "timer " + seen.timer().summary() + ", job " + seen.unit().summary();
      entry.lastRun = blankToNull(seen.unit().lastExit());
      entry.nextRun = blankToNull(seen.timer().nextElapse());
      if (entry.nextRun == null && t.before() != null) {
        entry.nextRun = t.before().nextRun; // systemd shows none while the job runs
      }
      String result = seen.unit().result();
      boolean ran = entry.lastRun != null && !"n/a".equals(entry.lastRun);
      entry.lastResult = !ran ? null : "success".equals(result) ? "success"
          : result + " (exit status " + seen.unit().exitStatus() + ")";
      if (!seen.timer().isActive()) {
        state = ServiceState.Starting;
      } else if (ran && !"success".equals(result)) {
        state = ServiceState.Failed;
      } else {
        state = ServiceState.Scheduled;
      }
    } else if (seen.unit().isActive() && seen.container().isRunning()) {
      state = ServiceState.Running;
    } else if (seen.unit().isStartingOrStopping() || seen.unit().isActive()) {
      state = ServiceState.Starting;
    } else if ("failed".equals(seen.unit().activeState())) {
      state = ServiceState.Failed;
    } else {
      state = ServiceState.Stopped;
    }
    entry.state = state.name();
    return entry;
  }

  private static ServiceOnHost entry(String host, ServiceState state, String message) {
    ServiceOnHost e = new ServiceOnHost();
    e.host = host;
    e.state = state.name();
    e.message = message;
    return e;
  }

  /** Some host's container started within this long: a rollout may still be waiting for minReadySeconds. */
  private static boolean startedWithin(List<ServiceOnHost> hosts, Duration window) {
    Instant since = Instant.now().minus(window);
    return hosts.stream().map(h -> h.startedAt).filter(Objects::nonNull).anyMatch(t -> {
      try {
        return OffsetDateTime.parse(t).toInstant().isAfter(since);
      } catch (RuntimeException e) {
        return false;
      }
    });
  }

  private static boolean is(ServiceOnHost entry, Predicate<ServiceState> test) {
    ServiceState state = ServiceState.of(entry);
    return state != null && test.test(state);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }
}
