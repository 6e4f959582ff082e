package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceStatus;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.host.ApplyPlan;
import dev.hostops.host.HostKeyMismatchException;
import dev.hostops.host.HostSessions;
import dev.hostops.host.HostUnreachableException;
import dev.hostops.host.ServiceObservation;
import dev.hostops.host.ServiceSync;
import dev.hostops.host.SshTarget;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.render.ServiceValidation;
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
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Render → probe → apply → status for each target host of a HostService, hosts in parallel.
 * Re-runs every resync period, so drift made by hand on a host is found and corrected.
 */
@ControllerConfiguration(name = "hostservice")
public final class HostServiceReconciler implements Reconciler<HostService>, Cleaner<HostService> {
  private static final Logger LOG = LoggerFactory.getLogger(HostServiceReconciler.class);
  private static final Duration SETTLING = Duration.ofSeconds(2);
  private static final Duration CLEANUP_RETRY = Duration.ofSeconds(10);

  private final HostTargets targets;
  private final HostSessions sessions;
  private final ServiceSync sync;
  private final EventRecorder events;
  private final ExecutorService hostWork;
  private final Duration resync;

  public HostServiceReconciler(HostTargets targets, HostSessions sessions, ServiceSync sync, EventRecorder events,
                               ExecutorService hostWork, Duration resync) {
    this.targets = targets;
    this.sessions = sessions;
    this.sync = sync;
    this.events = events;
    this.hostWork = hostWork;
    this.resync = resync;
  }

  @Override
  public List<EventSource<?, HostService>> prepareEventSources(EventSourceContext<HostService> context) {
    var config = InformerEventSourceConfiguration.from(Host.class, HostService.class)
        .withSecondaryToPrimaryMapper(host -> context.getPrimaryCache()
            .list(host.getMetadata().getNamespace())
            .filter(svc -> HostSelection.targets(svc, host))
            .map(ResourceID::fromResource)
            .collect(Collectors.toSet()))
        // A Host's status changes on every probe; only a change that affects its services matters.
        .withOnUpdateFilter((now, before) -> !Objects.equals(now.getMetadata().getGeneration(),
            before.getMetadata().getGeneration())
            || !Objects.equals(now.getMetadata().getLabels(), before.getMetadata().getLabels())
            || !Objects.equals(reachable(now), reachable(before)))
        .build();
    return List.of(new InformerEventSource<>(config, context));
  }

  @Override
  public UpdateControl<HostService> reconcile(HostService service, Context<HostService> context) {
    String id = ServiceRenderer.owner(service);
    HostServiceStatus previous = service.getStatus() == null ? new HostServiceStatus() : service.getStatus();
    HostServiceStatus status = new HostServiceStatus();
    status.observedGeneration = service.getMetadata().getGeneration();
    Conditions conditions = new Conditions(previous.conditions, service.getMetadata().getGeneration());

    List<String> problems = ServiceValidation.problems(service);
    if (!problems.isEmpty()) {
      String message = String.join("; ", problems);
      if (!previous.conditions.stream().anyMatch(c -> "Degraded".equals(c.type) && message.equals(c.message))) {
        events.warning(service, "InvalidSpec", message);
        LOG.warn("hostservice={} invalid: {}", id, message);
      }
      conditions.set("Ready", false, "InvalidSpec", message)
          .set("Progressing", false, "InvalidSpec", "nothing is applied until the spec is fixed")
          .set("Degraded", true, "InvalidSpec", message);
      status.conditions = conditions.list();
      status.hosts = previous.hosts;
      status.readyHosts = previous.readyHosts;
      service.setStatus(status);
      return UpdateControl.patchStatus(service);
    }

    RenderedService desired = ServiceRenderer.render(service);
    Map<String, Host> hosts = hostsOf(service, context);
    List<String> wanted = wantedHostNames(service, hosts);

    Map<String, CompletableFuture<ServiceOnHost>> work = new LinkedHashMap<>();
    for (String name : wanted) {
      ServiceOnHost before = find(previous, name);
      Host host = hosts.get(name);
      work.put(name, CompletableFuture.supplyAsync(() -> host == null
          ? pending(name, "Host " + name + " not found in namespace " + service.getMetadata().getNamespace())
          : apply(service, desired, host, before), hostWork));
    }
    // Hosts that the service left: remove it there (kept in status until that succeeded).
    for (ServiceOnHost old : previous.hosts) {
      if (!wanted.contains(old.host) && hosts.containsKey(old.host)) {
        work.put(old.host, CompletableFuture.supplyAsync(() -> leave(service, hosts.get(old.host), old), hostWork));
      }
    }
    for (Map.Entry<String, CompletableFuture<ServiceOnHost>> e : work.entrySet()) {
      ServiceOnHost entry = e.getValue().join();
      if (entry != null) {
        status.hosts.add(entry);
      }
    }
    status.hosts.sort(Comparator.comparing(h -> h.host));

    long running = status.hosts.stream().filter(h -> wanted.contains(h.host) && "Running".equals(h.state)).count();
    status.readyHosts = running + "/" + wanted.size();
    List<String> bad = status.hosts.stream()
        .filter(h -> List.of("Failed", "Unreachable", "Refused", "Error", "Pending").contains(h.state))
        .map(h -> h.host + ": " + h.message).toList();
    List<String> starting = status.hosts.stream()
        .filter(h -> List.of("Starting", "Removing").contains(h.state)).map(h -> h.host).toList();
    boolean ready = !wanted.isEmpty() && running == wanted.size();
    if (wanted.isEmpty()) {
      conditions.set("Ready", false, "NoHosts", "no Host matches spec.hosts or spec.hostSelector");
    } else if (ready) {
      conditions.set("Ready", true, "Running", "running on " + status.readyHosts + " hosts");
    } else {
      conditions.set("Ready", false, bad.isEmpty() ? "Starting" : "HostsNotReady",
          "running on " + status.readyHosts + " hosts" + (bad.isEmpty() ? "" : "; " + String.join("; ", bad)));
    }
    conditions.set("Progressing", !starting.isEmpty(), starting.isEmpty() ? "Settled" : "Starting",
        starting.isEmpty() ? "nothing in progress" : "starting on " + String.join(", ", starting));
    conditions.set("Degraded", !bad.isEmpty(), bad.isEmpty() ? "AsExpected" : "HostsFailing",
        bad.isEmpty() ? "no host reports a problem" : String.join("; ", bad));
    status.conditions = conditions.list();
    service.setStatus(status);
    return UpdateControl.patchStatus(service).rescheduleAfter(starting.isEmpty() ? resync : SETTLING);
  }

  private ServiceOnHost apply(HostService service, RenderedService desired, Host host, ServiceOnHost before) {
    String name = host.getMetadata().getName();
    ServiceOnHost entry = new ServiceOnHost();
    entry.host = name;
    try {
      SshTarget target = targets.resolve(host);
      ServiceSync.Result r = sessions.with(HostTargets.key(host), target, c -> sync.sync(c, desired));
      describe(entry, r.seen(), service.getSpec().image);
      ApplyPlan plan = r.plan();
      if (plan.refusal() != null) {
        entry.state = "Refused";
        entry.message = plan.refusal();
        entry.appliedHash = before == null ? null : before.appliedHash;
        if (before == null || !"Refused".equals(before.state)) {
          events.warning(service, "Refused", "on " + name + ": " + plan.refusal());
        }
        return entry;
      }
      entry.appliedHash = desired.hash();
      if (!plan.isNoop()) {
        entry.message = plan.describe();
        events.normal(service, "Applied", "on " + name + ": " + plan.describe());
        LOG.info("hostservice={} host={} {}", ServiceRenderer.owner(service), name, plan.describe());
      } else {
        entry.message = before != null && "Running".equals(entry.state) && before.message != null
            && !before.message.startsWith("unreachable") ? before.message : "in sync";
      }
      if ("Failed".equals(entry.state) && (before == null || !"Failed".equals(before.state))) {
        events.warning(service, "Failed", "on " + name + ": unit " + entry.unit + ", container " + entry.container);
      }
    } catch (HostTargets.InvalidHostException e) {
      return failure(service, entry, before, "Unreachable", "Host " + name + " " + e.getMessage());
    } catch (HostKeyMismatchException e) {
      return failure(service, entry, before, "Unreachable", "unreachable: " + e.getMessage());
    } catch (ServiceSync.ApplyFailedException e) {
      return failure(service, entry, before, "Error", e.getMessage());
    } catch (HostUnreachableException e) {
      return failure(service, entry, before, "Unreachable", "unreachable: " + e.getMessage());
    } catch (RuntimeException e) {
      LOG.error("hostservice={} host={} unexpected error", ServiceRenderer.owner(service), name, e);
      return failure(service, entry, before, "Error", e.getClass().getSimpleName() + ": " + e.getMessage());
    }
    return entry;
  }

  private ServiceOnHost failure(HostService service, ServiceOnHost entry, ServiceOnHost before, String state,
                                String message) {
    entry.state = state;
    entry.message = message;
    if (before != null) {
      // What was last seen stays visible; the state says it may be stale.
      entry.unit = before.unit;
      entry.container = before.container;
      entry.imageDigest = before.imageDigest;
      entry.appliedHash = before.appliedHash;
      entry.startedAt = before.startedAt;
    }
    if (before == null || !state.equals(before.state) || !message.equals(before.message)) {
      events.warning(service, state, "on " + entry.host + ": " + message);
      LOG.warn("hostservice={} host={} {}: {}", ServiceRenderer.owner(service), entry.host, state, message);
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
    } catch (HostTargets.InvalidHostException | HostUnreachableException e) {
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
      } catch (HostTargets.InvalidHostException | HostUnreachableException e) {
        failed.add(name + ": " + e.getMessage());
      }
    }
    if (!failed.isEmpty()) {
      String message = "cannot remove from " + String.join("; ", failed) + " (retrying; delete the Host to give up)";
      events.warning(service, "CleanupPending", message);
      LOG.warn("hostservice={} {}", ServiceRenderer.owner(service), message);
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(CLEANUP_RETRY);
    }
    return DeleteControl.defaultDelete();
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
        .forEach(names::add);
    return names;
  }

  private static void describe(ServiceOnHost entry, ServiceObservation seen, String image) {
    entry.unit = seen.unit().summary();
    entry.container = seen.container().status();
    entry.startedAt = seen.container().startedAt();
    entry.imageDigest = digest(seen.container(), image);
    String active = seen.unit().activeState();
    if (seen.unit().isActive() && seen.container().isRunning()) {
      entry.state = "Running";
    } else if ("activating".equals(active) || "reloading".equals(active) || seen.unit().isActive()) {
      entry.state = "Starting";
    } else if ("failed".equals(active)) {
      entry.state = "Failed";
    } else {
      entry.state = "Stopped";
    }
  }

  /** The repo digest that belongs to the configured image's repository, else the image ID. */
  static String digest(ServiceObservation.ContainerState container, String image) {
    String repo = image.replaceFirst("@sha256:[a-f0-9]+$", "").replaceFirst(":[^:/]+$", "");
    return container.repoDigests().stream()
        .filter(d -> d.startsWith(repo + "@"))
        .findFirst()
        .orElse(container.repoDigests().isEmpty() ? container.imageId() : container.repoDigests().get(0));
  }

  private static ServiceOnHost pending(String host, String message) {
    ServiceOnHost e = new ServiceOnHost();
    e.host = host;
    e.state = "Pending";
    e.message = message;
    return e;
  }

  private static ServiceOnHost find(HostServiceStatus status, String host) {
    return status.hosts.stream().filter(h -> host.equals(h.host)).findFirst().orElse(null);
  }

  private static Boolean reachable(Host h) {
    return h.getStatus() == null ? null : h.getStatus().reachable;
  }

}
