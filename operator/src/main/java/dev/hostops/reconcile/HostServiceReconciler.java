package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceStatus;
import dev.hostops.api.RolloutSpec;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.host.ApplyPlan;
import dev.hostops.host.ApplyPlanner;
import dev.hostops.host.HostKeyMismatchException;
import dev.hostops.host.HostSessions;
import dev.hostops.host.HostException;
import dev.hostops.host.ServiceObservation;
import dev.hostops.host.ServiceSync;
import dev.hostops.host.SshTarget;
import dev.hostops.render.HostContext;
import dev.hostops.render.References;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.render.ServiceValidation;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Cleaner;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.DeleteControl;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Render → probe → plan → apply → status for each target host of a HostService. All hosts are
 * probed in parallel (one round trip each); changes that replace a running container are rolled out
 * a few hosts at a time, each healthy for minReadySeconds before the next, and halted when a changed
 * host fails. Re-runs every resync period, so drift made by hand on a host is found and corrected.
 */
@ControllerConfiguration(name = "hostservice")
public final class HostServiceReconciler implements Reconciler<HostService>, Cleaner<HostService> {
  private static final Logger LOG = LoggerFactory.getLogger(HostServiceReconciler.class);
  private static final Duration SETTLING = Duration.ofSeconds(2);
  private static final Duration CLEANUP_RETRY = Duration.ofSeconds(10);

  private static final long LIST_PAGE = 500;
  private final HostTargets targets;
  private final ReferencedObjects<Secret> secrets;
  /** Applies of every service bound for one host, in one round trip. */
  private final dev.hostops.host.ApplyQueue applies;
  private final ReferencedObjects<ConfigMap> configMaps;
  private final HostSessions sessions;
  private final ServiceSync sync;
  private final EventRecorder events;
  private final ExecutorService hostWork;
  private final Duration resync;
  private final dev.hostops.metrics.OperatorMetrics metrics;
  private final dev.hostops.host.ProbeCache probes;

  public HostServiceReconciler(HostTargets targets, HostSessions sessions, ServiceSync sync, EventRecorder events,
                               ExecutorService hostWork, Duration resync, dev.hostops.metrics.OperatorMetrics metrics,
                               dev.hostops.host.ProbeCache probes) {
    this.metrics = metrics;
    this.probes = probes;
    this.targets = targets;
    this.secrets = new ReferencedObjects<>(targets.client(), Secret.class);
    this.applies = new dev.hostops.host.ApplyQueue(sessions, sync, metrics::applied);
    this.configMaps = new ReferencedObjects<>(targets.client(), ConfigMap.class);
    this.sessions = sessions;
    this.sync = sync;
    this.events = events;
    this.hostWork = hostWork;
    this.resync = resync;
  }

  @Override
  public List<EventSource<?, HostService>> prepareEventSources(EventSourceContext<HostService> context) {
    var hosts = InformerEventSourceConfiguration.from(Host.class, HostService.class)
        .withSecondaryToPrimaryMapper(host -> primaries(context, host, svc -> HostSelection.targets(svc, host)))
        // A Host's status changes on every probe; only a change that affects its services matters.
        .withOnUpdateFilter((now, before) -> !Objects.equals(now.getMetadata().getGeneration(),
            before.getMetadata().getGeneration())
            || !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels())
            || !Objects.equals(reachable(now), reachable(before))
            || !Objects.equals(compose(now), compose(before)))
        .build();
    var hostSource = new InformerEventSource<>(hosts, context);
    // A Secret or ConfigMap wakes only the services that refer to it by name, or run on a Host that
    // names it as a default image pull Secret. The informers hold metadata only; contents are read for
    // referenced objects, once per change (ReferencedObjects).
    var secrets = InformerEventSourceConfiguration.from(Secret.class, HostService.class)
        .withSecondaryToPrimaryMapper(s -> {
          String name = s.getMetadata().getName();
          List<Host> naming = hostSource.list(s.getMetadata().getNamespace(),
              h -> ServiceReferences.hostPullSecretNames(h).contains(name)).toList();
          return primaries(context, s, svc -> ServiceReferences.secretNames(svc).contains(name)
              || naming.stream().anyMatch(h -> svc.getSpec() != null && (svc.getSpec().hostsOrEmpty()
              .contains(h.getMetadata().getName()) || HostSelection.targets(svc, h))));
        })
        .withItemStore(ReferencedObjects.<Secret>metadataOnly())
        .withInformerListLimit(LIST_PAGE)
        .build();
    var configMaps = InformerEventSourceConfiguration.from(ConfigMap.class, HostService.class)
        .withSecondaryToPrimaryMapper(c -> primaries(context, c,
            svc -> ServiceReferences.configMapNames(svc).contains(c.getMetadata().getName())))
        .withItemStore(ReferencedObjects.<ConfigMap>metadataOnly())
        .withInformerListLimit(LIST_PAGE)
        .build();
    InformerEventSource<Secret, HostService> secretSource = new InformerEventSource<>(secrets, context);
    InformerEventSource<ConfigMap, HostService> configMapSource = new InformerEventSource<>(configMaps, context);
    this.secrets.use(secretSource);
    this.configMaps.use(configMapSource);
    // the one Secret cache: SSH keys of Hosts are read from it too
    targets.useCache(this.secrets::get);
    return List.of(hostSource, secretSource, configMapSource);
  }

  private static Set<ResourceID> primaries(EventSourceContext<HostService> context, HasMetadata secondary,
                                           java.util.function.Predicate<HostService> refersTo) {
    return context.getPrimaryCache().list(secondary.getMetadata().getNamespace())
        .filter(refersTo)
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  /** One target host during a reconcile. */
  private static final class Target {
    final String name;
    final Host host;
    final ServiceOnHost before;
    final String image;
    /** autoRevert holds this host on the image it ran before (a digest), or null */
    String pinned;
    SshTarget ssh;
    RenderedService desired;
    ServiceObservation seen;
    ApplyPlan plan;
    ServiceOnHost entry;

    Target(String name, Host host, ServiceOnHost before, String image) {
      this.name = name;
      this.host = host;
      this.before = before;
      this.image = image;
    }
  }

  @Override
  public UpdateControl<HostService> reconcile(HostService service, Context<HostService> context) {
    return StatusWrite.onlyIfChanged(service, HostService::getStatus, r -> reconcileStatus(r, context));
  }

  private UpdateControl<HostService> reconcileStatus(HostService service, Context<HostService> context) {
    String id = ServiceRenderer.owner(service);
    HostServiceStatus previous = service.getStatus() == null ? new HostServiceStatus() : service.getStatus();
    HostServiceStatus status = new HostServiceStatus();
    status.observedGeneration = service.getMetadata().getGeneration();
    Conditions conditions = new Conditions(previous.conditions, service.getMetadata().getGeneration());

    List<String> problems = ServiceValidation.problems(service);
    if (!problems.isEmpty()) {
      return invalid(service, previous, status, conditions, problems);
    }
    Map<String, Host> hosts = hostsOf(service, context);
    List<String> wanted = wantedHostNames(service, hosts);
    Set<String> hostSecrets = new java.util.TreeSet<>();
    wanted.forEach(h -> hostSecrets.addAll(ServiceReferences.hostPullSecretNames(hosts.get(h))));
    References refs = ServiceReferences.resolve(service, hostSecrets, secrets.in(service.getMetadata().getNamespace()),
        configMaps.in(service.getMetadata().getNamespace()));

    RolloutStatus rollout = RolloutPhases.start(previous.rollout, service);
    boolean reverted = RolloutStatus.REVERTED.equals(rollout.phase);

    // 1. render and probe every target host, in parallel
    List<Target> all = new ArrayList<>();
    for (String name : wanted) {
      Target t = new Target(name, hosts.get(name), find(previous, name), service.getSpec().image);
      t.pinned = reverted && t.before != null ? t.before.revertedTo : null;
      all.add(t);
    }
    List<String> renderProblems = new ArrayList<>();
    parallel(all, t -> probe(service, refs, t, renderProblems));
    if (!renderProblems.isEmpty()) {
      return invalid(service, previous, status, conditions, renderProblems.stream().distinct().toList());
    }

    // 2. decide which hosts change now (rollout), 3. apply there, in parallel
    String halted = rollout(service, refs, all, rollout);
    parallel(all.stream().filter(t -> t.entry == null && t.plan != null).toList(), t -> apply(service, t));
    all.forEach(t -> RolloutPhases.record(t.entry, t.before, t.pinned));

    // hosts that the service left: remove it there (kept in status until that succeeded)
    List<Target> leaving = previous.hosts.stream()
        .filter(old -> !wanted.contains(old.host) && hosts.containsKey(old.host))
        .map(old -> new Target(old.host, hosts.get(old.host), old, null)).toList();
    parallel(leaving, t -> t.entry = leave(service, t.host, t.before));

    all.forEach(t -> status.hosts.add(t.entry));
    leaving.stream().filter(t -> t.entry != null).forEach(t -> status.hosts.add(t.entry));
    status.hosts.sort(Comparator.comparing(h -> h.host));
    rollout.previousImage = RolloutPhases.previousImage(status.hosts, wanted);
    status.rollout = rollout;
    return finish(service, status, conditions, wanted, halted, rollout);
  }

  private void probe(HostService service, References refs, Target t, List<String> renderProblems) {
    if (t.host == null) {
      t.entry = entry(t.name, "Pending", "Host " + t.name + " not found in namespace "
          + service.getMetadata().getNamespace());
      return;
    }
    try {
      t.desired = render(t.pinned == null ? service : RolloutPhases.withImage(service, t.pinned), refs, t.host);
    } catch (ServiceRenderer.InvalidServiceException e) {
      if (service.getSpec().compose != null && (t.host.getStatus() == null || t.host.getStatus().reachable == null)) {
        t.entry = entry(t.name, "Pending", "waiting for the first probe of Host " + t.name);
        return;
      }
      synchronized (renderProblems) {
        if (e.problems().stream().allMatch(p -> p.startsWith("spec.compose: the host has"))) {
          t.entry = entry(t.name, "Refused", "Host " + t.name + " has neither `docker compose` nor `docker-compose`");
        } else {
          renderProblems.addAll(e.problems());
        }
      }
      return;
    }
    try {
      t.ssh = targets.resolve(t.host);
      // Nothing changed in the spec since this host was last brought in line: the Host's per-host
      // drift check (one round trip for all its services) says how it looks now. Anything else probes.
      boolean unchanged = t.before != null && t.desired.hash().equals(t.before.appliedHash)
          && Objects.equals(service.getMetadata().getGeneration(), service.getStatus() == null ? null
          : service.getStatus().observedGeneration)
          && List.of("Running", "Scheduled", "Suspended", "Reverted").contains(t.before.state);
      var cached = unchanged
          ? probes.get(HostTargets.key(t.host), service.getMetadata().getName(), resync.multipliedBy(3).dividedBy(2))
          : java.util.Optional.<ServiceObservation>empty();
      if (cached.isPresent()) {
        t.seen = cached.get();
      } else {
        long started = System.nanoTime();
        t.seen = sessions.with(HostTargets.key(t.host), t.ssh, c -> sync.probe(c, t.desired));
        probes.put(HostTargets.key(t.host), service.getMetadata().getName(), t.seen, started);
      }
      t.plan = ApplyPlanner.plan(t.desired, t.seen);
      t.entry = null;
    } catch (HostTargets.InvalidHostException e) {
      t.entry = failure(service, t, "Unreachable", "Host " + t.name + " " + e.getMessage());
    } catch (HostKeyMismatchException e) {
      t.entry = failure(service, t, "Unreachable", "unreachable: " + e.getMessage());
    } catch (HostException e) {
      t.entry = failure(service, t, "Unreachable", "unreachable: " + e.getMessage());
    }
  }

  private static RenderedService render(HostService service, References refs, Host host)
      throws ServiceRenderer.InvalidServiceException {
    return ServiceRenderer.render(service, refs, new HostContext(host.getStatus() == null ? null
        : host.getStatus().composeCommand, ServiceReferences.hostPullSecretNames(host)));
  }

  /**
   * Marks the hosts the rollout holds back as Waiting, puts failing hosts back on their previous image
   * when autoRevert asks for it, and moves the rollout's phase; returns why it halted, or null.
   */
  private String rollout(HostService service, References refs, List<Target> all, RolloutStatus phase) {
    RolloutSpec rollout = service.getSpec().rolloutOrDefault();
    List<Target> probed = all.stream().filter(t -> t.entry == null && t.plan != null).toList();
    List<Target> moving = probed.stream().filter(t -> t.pinned == null).toList();
    // sent the new version, then silent: it may be failing there, so it counts as unavailable
    int unseen = (int) all.stream().filter(t -> t.entry != null && "Unreachable".equals(t.entry.state)
        && t.desired != null && t.pinned == null && t.before != null && t.desired.hash().equals(t.before.appliedHash)
        && !List.of("Running", "Scheduled", "Suspended").contains(t.before.state)).count();
    Rollout.Decision decision = Rollout.decide(moving.stream()
            .map(t -> new Rollout.Candidate(t.name, t.plan, t.seen, t.desired.scheduled() || t.desired.suspended()))
            .toList(),
        unseen, rollout.maxUnavailableOrDefault(), rollout.minReadySecondsOrDefault(), Instant.now());
    String halted = decision.halted();
    Set<String> held = new java.util.HashSet<>(decision.held());
    if (RolloutStatus.REVERTED.equals(phase.phase)) {
      halted = phase.message;
      moving.stream().filter(t -> Rollout.Candidate.disruptive(t.plan, t.seen)).forEach(t -> held.add(t.name));
    } else if (!decision.failing().isEmpty() && !RolloutStatus.COMPLETE.equals(phase.phase)) {
      List<Target> failing = moving.stream().filter(t -> decision.failing().contains(t.name)).toList();
      List<Target> revert = rollout.autoRevertOrDefault() && RolloutPhases.imageChanged(phase)
          && service.getSpec().compose == null
          ? failing.stream().filter(t -> RolloutPhases.revertTarget(t.before, seenDigest(t)) != null).toList()
          : List.of();
      if (!revert.isEmpty()) {
        String why = revert.stream().map(t -> t.name + ": " + Rollout.why(t.seen)).collect(Collectors.joining("; "));
        for (Target t : revert) {
          String back = RolloutPhases.revertTarget(t.before, seenDigest(t));
          try {
            t.desired = render(RolloutPhases.withImage(service, back), refs, t.host);
            t.plan = ApplyPlanner.plan(t.desired, t.seen);
            t.pinned = back;
          } catch (ServiceRenderer.InvalidServiceException e) {
            LOG.warn("hostservice={} host={} cannot revert: {}", ServiceRenderer.owner(service), t.name, e.getMessage());
          }
        }
        List<Target> done = revert.stream().filter(t -> t.pinned != null).toList();
        phase.phase = RolloutStatus.REVERTED;
        phase.message = "rollout reverted: " + phase.image + " failed within minReadySeconds on " + why + "; "
            + done.stream().map(t -> t.name + " is back on " + t.pinned).collect(Collectors.joining(", "))
            + ". Hosts not yet changed keep the previous version; change the spec to try again";
        events.warning(service, "RolloutReverted", phase.message);
        LOG.warn("hostservice={} {}", ServiceRenderer.owner(service), phase.message);
        halted = phase.message;
        moving.stream().filter(t -> t.pinned == null && Rollout.Candidate.disruptive(t.plan, t.seen))
            .forEach(t -> held.add(t.name));
      } else {
        phase.phase = RolloutStatus.HALTED;
        phase.message = halted + " (" + failing.stream().map(t -> t.name + ": " + Rollout.why(t.seen))
            .collect(Collectors.joining("; ")) + ")"
            + (rollout.autoRevertOrDefault() && !RolloutPhases.imageChanged(phase)
            ? "; not reverted: spec.image did not change, there is no earlier image to go back to" : "");
        halted = phase.message;
      }
    } else if (decision.complete() && probed.size() == all.size() && !RolloutStatus.COMPLETE.equals(phase.phase)) {
      phase.phase = RolloutStatus.COMPLETE;
      phase.message = null;
    } else if (RolloutStatus.HALTED.equals(phase.phase) && decision.failing().isEmpty()) {
      phase.phase = RolloutStatus.PROGRESSING;
      phase.message = null;
    }
    for (Target t : moving) {
      if (held.contains(t.name)) {
        t.entry = observed(t, t.seen);
        t.entry.state = "Waiting";
        t.entry.message = halted != null ? halted
            : "waiting for the rollout (maxUnavailable " + rollout.maxUnavailableOrDefault() + ")";
        t.entry.appliedHash = t.before == null ? null : t.before.appliedHash;
      }
    }
    return halted;
  }

  private static String seenDigest(Target t) {
    return t.seen.container().imageId() == null ? null : digest(t.seen.container(), t.image);
  }

  private void apply(HostService service, Target t) {
    try {
      ApplyPlan plan = t.plan;
      if (plan.refusal() != null) {
        t.entry = observed(t, t.seen);
        t.entry.state = "Refused";
        t.entry.message = plan.refusal();
        t.entry.appliedHash = t.before == null ? null : t.before.appliedHash;
        if (t.before == null || !"Refused".equals(t.before.state)) {
          events.warning(service, "Refused", "on " + t.name + ": " + plan.refusal());
        }
        return;
      }
      ServiceObservation after = t.seen;
      if (!plan.isNoop()) {
        long started = System.nanoTime();
        after = applies.apply(HostTargets.key(t.host), t.ssh, t.desired, plan);
        probes.put(HostTargets.key(t.host), service.getMetadata().getName(), after, started);
        events.normal(service, "Applied", "on " + t.name + ": " + plan.describe());
        LOG.info("hostservice={} host={} {}", ServiceRenderer.owner(service), t.name, plan.describe());
      }
      t.entry = observed(t, after);
      t.entry.appliedHash = t.desired.hash();
      t.entry.message = !plan.isNoop() ? plan.describe()
          : t.before != null && t.before.message != null && Objects.equals(t.before.state, t.entry.state)
          && !t.before.message.startsWith("unreachable") && !t.before.message.startsWith("waiting")
          && !t.before.message.startsWith("rollout") ? t.before.message : "in sync";
      String failedPull = after.unit().failedPull();
      String dockerError = after.dockerErrorSummary();
      if (failedPull != null && !t.desired.scheduled()) {
        // the pull failed (registry down, or credentials refused): say so, and what Docker said
        boolean running = "Running".equals(t.entry.state);
        t.entry.message = running
            ? "pull failed: `docker pull " + failedPull + "` failed at the last start; running the image the host had"
            : "pull failed: `docker pull " + failedPull + "` failed at the last start, and the service is not running ("
            + t.entry.unit + "): is there no image of it on the host?"
            + (dockerError == null ? "" : " " + dockerError);
        if (t.before == null || !t.entry.message.equals(t.before.message)) {
          events.warning(service, "PullFailed", "on " + t.name + ": " + t.entry.message);
        }
      } else if (dockerError != null && !"Running".equals(t.entry.state)) {
        t.entry.message = dockerError;
      }
      if ("Failed".equals(t.entry.state) && (t.before == null || !"Failed".equals(t.before.state))) {
        events.warning(service, "Failed", "on " + t.name + ": unit " + t.entry.unit + ", container " + t.entry.container
            + (t.entry.lastResult != null ? ", last run " + t.entry.lastResult : "")
            + (dockerError != null ? "; " + dockerError : ""));
      }
    } catch (ServiceSync.ApplyFailedException e) {
      t.entry = failure(service, t, "Error", e.getMessage());
    } catch (HostException e) {
      t.entry = failure(service, t, "Unreachable", "unreachable: " + e.getMessage());
      if (!t.plan.isNoop() && t.plan.refusal() == null) {
        // the script may have reached the host, where it runs to its end: until a probe shows how it
        // went, the rollout counts this host as changed and not yet healthy
        t.entry.appliedHash = t.desired.hash();
      }
    } catch (RuntimeException e) {
      LOG.error("hostservice={} host={} unexpected error", ServiceRenderer.owner(service), t.name, e);
      t.entry = failure(service, t, "Error", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
  }

  private UpdateControl<HostService> finish(HostService service, HostServiceStatus status, Conditions conditions,
                                            List<String> wanted, String halted, RolloutStatus rollout) {
    boolean suspended = service.getSpec().suspend;
    long ready = status.hosts.stream()
        .filter(h -> wanted.contains(h.host) && List.of("Running", "Scheduled").contains(h.state)).count();
    status.readyHosts = ready + "/" + wanted.size();
    List<String> bad = status.hosts.stream()
        .filter(h -> List.of("Failed", "Unreachable", "Refused", "Error", "Pending").contains(h.state))
        .map(h -> h.host + ": " + h.message).toList();
    List<String> moving = status.hosts.stream()
        .filter(h -> List.of("Starting", "Waiting", "Removing").contains(h.state)).map(h -> h.host).toList();
    if (halted != null) {
      bad = new ArrayList<>(bad);
      bad.add(0, halted);
    }
    if (wanted.isEmpty()) {
      conditions.set("Ready", false, "NoHosts", "no Host matches spec.hosts or spec.hostSelector");
    } else if (suspended) {
      long stopped = status.hosts.stream().filter(h -> "Suspended".equals(h.state)).count();
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
    return UpdateControl.patchStatus(service).rescheduleAfter(progressing ? SETTLING : resync);
  }

  private UpdateControl<HostService> invalid(HostService service, HostServiceStatus previous, HostServiceStatus status,
                                             Conditions conditions, List<String> problems) {
    String message = String.join("; ", problems);
    if (previous.conditions.stream().noneMatch(c -> "Degraded".equals(c.type) && message.equals(c.message))) {
      events.warning(service, "InvalidSpec", message);
      LOG.warn("hostservice={} invalid: {}", ServiceRenderer.owner(service), message);
    }
    conditions.set("Ready", false, "InvalidSpec", message)
        .set("Progressing", false, "InvalidSpec", "nothing is applied until the spec is fixed")
        .set("Degraded", true, "InvalidSpec", message);
    status.conditions = conditions.list();
    metrics.service(service.getMetadata().getNamespace(), service.getMetadata().getName(), false, true);
    status.hosts = previous.hosts;
    status.readyHosts = previous.readyHosts;
    service.setStatus(status);
    // a missing Secret or ConfigMap wakes the service when it appears; the resync is a safety net
    return UpdateControl.patchStatus(service).rescheduleAfter(resync);
  }

  private ServiceOnHost failure(HostService service, Target t, String state, String message) {
    ServiceOnHost entry = entry(t.name, state, message);
    ServiceOnHost before = t.before;
    if (before != null) {
      // What was last seen stays visible; the state says it may be stale.
      entry.unit = before.unit;
      entry.container = before.container;
      entry.imageDigest = before.imageDigest;
      entry.appliedHash = before.appliedHash;
      entry.startedAt = before.startedAt;
    }
    if (before == null || !state.equals(before.state) || !message.equals(before.message)) {
      events.warning(service, state, "on " + t.name + ": " + message);
      LOG.warn("hostservice={} host={} {}: {}", ServiceRenderer.owner(service), t.name, state, message);
    }
    return entry;
  }

  /** Removes the service from a host it no longer targets; null once it is gone from there. */
  private ServiceOnHost leave(HostService service, Host host, ServiceOnHost old) {
    try {
      SshTarget target = targets.resolve(host);
      sessions.with(HostTargets.key(host), target,
          c -> sync.remove(c, service.getMetadata().getName(), ServiceRenderer.owner(service)));
      events.normal(service, "Removed", "from " + old.host + ": no longer targeted");
      LOG.info("hostservice={} host={} removed (no longer targeted)", ServiceRenderer.owner(service), old.host);
      return null;
    } catch (HostTargets.InvalidHostException | HostException e) {
      old.state = "Removing";
      old.message = "not targeted any more; removal pending: " + e.getMessage();
      return old;
    }
  }

  @Override
  public DeleteControl cleanup(HostService service, Context<HostService> context) {
    Map<String, Host> hosts = hostsOf(service, context);
    List<String> names = new ArrayList<>(wantedHostNames(service, hosts));
    if (service.getStatus() != null) {
      service.getStatus().hosts.forEach(h -> {
        if (!names.contains(h.host)) {
          names.add(h.host);
        }
      });
    }
    List<String> failed = new ArrayList<>();
    for (String name : names) {
      Host host = hosts.get(name);
      if (host == null) {
        continue; // the Host resource is gone: nothing left to reach
      }
      try {
        boolean removed = sessions.with(HostTargets.key(host), targets.resolve(host),
            c -> sync.remove(c, service.getMetadata().getName(), ServiceRenderer.owner(service)));
        if (removed) {
          LOG.info("hostservice={} host={} removed (resource deleted)", ServiceRenderer.owner(service), name);
        }
      } catch (HostTargets.InvalidHostException | HostException e) {
        failed.add(name + ": " + e.getMessage());
      }
    }
    if (!failed.isEmpty()) {
      String message = "cannot remove from " + String.join("; ", failed) + " (retrying; delete the Host to give up)";
      events.warning(service, "CleanupPending", message);
      LOG.warn("hostservice={} {}", ServiceRenderer.owner(service), message);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(CLEANUP_RETRY);
    }
    metrics.serviceDeleted(service.getMetadata().getNamespace(), service.getMetadata().getName());
    return DeleteControl.defaultDelete();
  }

  private void parallel(List<Target> targets, java.util.function.Consumer<Target> work) {
    List<CompletableFuture<Void>> futures = targets.stream()
        .map(t -> CompletableFuture.runAsync(() -> work.accept(t), hostWork)).toList();
    futures.forEach(CompletableFuture::join);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Host> hostsOf(HostService service, Context<HostService> context) {
    InformerEventSource<Host, HostService> source = (InformerEventSource<Host, HostService>)
        context.eventSourceRetriever().getEventSourceFor(Host.class);
    Map<String, Host> hosts = new LinkedHashMap<>();
    source.list(service.getMetadata().getNamespace(), h -> true)
        .forEach(h -> hosts.put(h.getMetadata().getName(), h));
    return hosts;
  }

  private static List<String> wantedHostNames(HostService service, Map<String, Host> hosts) {
    List<String> names = new ArrayList<>(service.getSpec() == null ? List.of() : service.getSpec().hostsOrEmpty());
    hosts.values().stream()
        .filter(h -> HostSelection.targets(service, h))
        .map(h -> h.getMetadata().getName())
        .filter(n -> !names.contains(n))
        .sorted()
        .forEach(names::add);
    return names;
  }

  /** The status entry for what a probe saw. */
  private static ServiceOnHost observed(Target t, ServiceObservation seen) {
    ServiceOnHost entry = new ServiceOnHost();
    entry.host = t.name;
    RenderedService desired = t.desired;
    entry.unit = seen.unit().summary();
    entry.container = seen.container().total() > 1 ? seen.container().running() + "/" + seen.container().total()
        + " running" : seen.container().status();
    entry.startedAt = seen.container().startedAt();
    entry.health = seen.container().health() == null || seen.container().health().isEmpty() ? null
        : seen.container().health();
    entry.imageDigest = seen.container().imageId() == null ? null : digest(seen.container(), t.image);
    String active = seen.unit().activeState();
    if (desired.suspended()) {
      entry.state = seen.unit().isActive() || seen.timer().isActive() ? "Starting" : "Suspended";
    } else if (desired.scheduled()) {
      entry.unit = "timer " + seen.timer().summary() + ", job " + seen.unit().summary();
      entry.lastRun = blankToNull(seen.unit().lastExit());
      entry.nextRun = blankToNull(seen.timer().nextElapse());
      if (entry.nextRun == null && t.before != null) {
        entry.nextRun = t.before.nextRun; // systemd shows none while the job runs
      }
      String result = seen.unit().result();
      boolean ran = entry.lastRun != null && !"n/a".equals(entry.lastRun);
      entry.lastResult = !ran ? null : "success".equals(result) ? "success"
          : result + " (exit status " + seen.unit().exitStatus() + ")";
      if (!seen.timer().isActive()) {
        entry.state = "Starting";
      } else if (ran && !"success".equals(result)) {
        entry.state = "Failed";
      } else {
        entry.state = "Scheduled";
      }
    } else if (seen.unit().isActive() && seen.container().isRunning()) {
      entry.state = "Running";
    } else if (seen.unit().isStartingOrStopping() || seen.unit().isActive()) {
      entry.state = "Starting";
    } else if ("failed".equals(active)) {
      entry.state = "Failed";
    } else {
      entry.state = "Stopped";
    }
    return entry;
  }

  /** The repo digest that belongs to the configured image's repository, else the image ID. */
  static String digest(ServiceObservation.ContainerState container, String image) {
    String repo = image == null ? "" : image.replaceFirst("@sha256:[a-f0-9]+$", "").replaceFirst(":[^:/]+$", "");
    return container.repoDigests().stream()
        .filter(d -> d.startsWith(repo + "@"))
        .findFirst()
        .orElse(container.repoDigests().isEmpty() ? container.imageId() : container.repoDigests().get(0));
  }

  private static ServiceOnHost entry(String host, String state, String message) {
    ServiceOnHost e = new ServiceOnHost();
    e.host = host;
    e.state = state;
    e.message = message;
    return e;
  }

  private static ServiceOnHost find(HostServiceStatus status, String host) {
    return status.hosts.stream().filter(h -> host.equals(h.host)).findFirst().orElse(null);
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static Boolean reachable(Host h) {
    return h.getStatus() == null ? null : h.getStatus().reachable;
  }

  private static String compose(Host h) {
    return h.getStatus() == null ? null : h.getStatus().composeCommand;
  }
}
