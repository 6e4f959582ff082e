package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.host.ApplyPlanner;
import dev.hostops.host.HostSessions;
import dev.hostops.host.ProbeCache;
import dev.hostops.host.ServiceObservation;
import dev.hostops.host.ServiceSync;
import dev.hostops.render.HostContext;
import dev.hostops.render.References;
import dev.hostops.render.RenderProblem;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.SshTarget;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Observe: renders what each target host should have and probes what it has, every host at once (one
 * round trip each). A service left as last applied is looked up in the ProbeCache the Host's drift check
 * fills instead. Changes nothing.
 */
final class ServiceObserver {
  private final HostTargets targets;
  private final HostSessions sessions;
  private final ServiceSync sync;
  private final ProbeCache probes;
  private final Duration resync;
  private final HostWork work;

  ServiceObserver(HostTargets targets, HostSessions sessions, ServiceSync sync, ProbeCache probes, Duration resync,
                  HostWork work) {
    this.targets = targets;
    this.sessions = sessions;
    this.sync = sync;
    this.probes = probes;
    this.resync = resync;
    this.work = work;
  }

  /**
   * @param probed    hosts rendered and probed, in the order of the targets
   * @param notProbed why the others were not
   * @param problems  what makes the spec invalid on some host; nothing is applied while there are any
   */
  record Observation(List<TargetHost> probed, List<HostOutcome> notProbed, List<String> problems) {}

  private record Look(TargetHost probed, HostOutcome notProbed, List<String> problems) {}

  Observation observe(HostService service, References refs, List<TargetHost> hosts) {
    List<TargetHost> probed = new ArrayList<>();
    List<HostOutcome> notProbed = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (Look look : work.each(hosts, t -> look(service, refs, t))) {
      if (look.probed() != null) {
        probed.add(look.probed());
      } else if (look.notProbed() != null) {
        notProbed.add(look.notProbed());
      } else {
        problems.addAll(look.problems());
      }
    }
    return new Observation(probed, notProbed, problems.stream().distinct().toList());
  }

  /** The files a host should have for the service (on the image it is pinned to, if any). Pure. */
  static RenderedService render(HostService service, References refs, Host host)
      throws ServiceRenderer.InvalidServiceException {
    return ServiceRenderer.render(service, refs, new HostContext(host.getStatus() == null ? null
        : host.getStatus().composeCommand, ServiceReferences.hostPullSecretNames(host)));
  }

  private Look look(HostService service, References refs, TargetHost t) {
    if (t.host() == null) {
      return notProbed(t, ServiceState.Pending, "Host " + t.name() + " not found in namespace "
          + service.getMetadata().getNamespace());
    }
    RenderedService desired;
    try {
      desired = render(t.pinned() == null ? service : RolloutPhases.withImage(service, t.pinned()), refs, t.host());
    } catch (ServiceRenderer.InvalidServiceException e) {
      if (service.getSpec().compose != null
          && (t.host().getStatus() == null || t.host().getStatus().reachable == null)) {
        return notProbed(t, ServiceState.Pending, "waiting for the first probe of Host " + t.name());
      }
      return switch (holdsUp(e)) {
        case HOST_LACKS_COMPOSE -> notProbed(t, ServiceState.Refused, "Host " + t.name() + " has neither "
            + "`docker compose` nor `docker-compose`");
        // the Host's own settings (its default pull Secrets): this host waits, the others go on
        case HOST_SETTINGS -> new Look(null, new HostOutcome.Fault(t, ServiceState.Error, HostOutcome.Cause.HostSettings,
            String.join("; ", e.problems()) + "; nothing is applied on this host until that is fixed"), List.of());
        case SERVICE -> new Look(null, null, e.problems());
      };
    }
    TargetHost rendered = t.rendered(desired);
    try {
      SshTarget ssh = targets.resolve(t.host());
      ServiceObservation seen = probe(service, rendered, ssh);
      return new Look(rendered.probed(ssh, seen, ApplyPlanner.plan(desired, seen)), null, List.of());
    } catch (HostTargets.InvalidHostException e) {
      return fault(rendered, HostOutcome.Cause.InvalidHost, "Host " + t.name() + " " + e.getMessage());
    } catch (HostException e) {
      return fault(rendered, HostOutcome.Cause.LinkLost, ServiceStatusRecorder.UNREACHABLE + e.getMessage());
    }
  }

  private ServiceObservation probe(HostService service, TargetHost t, SshTarget ssh) throws HostException {
    RenderedService desired = t.desired();
    String key = HostTargets.key(t.host());
    String name = service.getMetadata().getName();
    // Nothing changed in the spec since this host was last brought in line: the Host's per-host drift
    // check (one round trip for all its services) says how it looks now. Anything else probes.
    ServiceState before = ServiceState.of(t.before());
    boolean unchanged = before != null && before.isSettled() && desired.hash().equals(t.before().appliedHash)
        && Objects.equals(service.getMetadata().getGeneration(), service.getStatus() == null ? null
        : service.getStatus().observedGeneration);
    // A host the rollout holds back runs the old version and waits its turn: during a rollout over many
    // hosts, probing every waiting host on every settle would cost a round trip each, every 2 s. What
    // the Host's probe (or this service's last probe) saw within a resync decides as well.
    Optional<ServiceObservation> cached = unchanged
        ? probes.get(key, name, resync.multipliedBy(3).dividedBy(2))
        : before == ServiceState.Waiting ? probes.get(key, name, resync) : Optional.empty();
    if (cached.isPresent()) {
      return cached.get();
    }
    long started = System.nanoTime();
    ServiceObservation seen = sessions.with(key, ssh, c -> sync.probe(c, desired));
    probes.put(key, name, seen, started);
    return seen;
  }

  /**
   * What a render's problems hold up, by their reasons alone: this host only (it lacks compose, or the Host's own
   * settings are wrong) when every problem says so, else the service on every host. Pure.
   */
  static RenderProblem.Reason holdsUp(ServiceRenderer.InvalidServiceException e) {
    return e.all(RenderProblem.Reason.HOST_LACKS_COMPOSE) ? RenderProblem.Reason.HOST_LACKS_COMPOSE
        : e.all(RenderProblem.Reason.HOST_SETTINGS) ? RenderProblem.Reason.HOST_SETTINGS
        : RenderProblem.Reason.SERVICE;
  }

  private static Look notProbed(TargetHost t, ServiceState state, String message) {
    return new Look(null, new HostOutcome.NotProbed(t, state, message), List.of());
  }

  private static Look fault(TargetHost t, HostOutcome.Cause cause, String message) {
    return new Look(null, new HostOutcome.Fault(t, ServiceState.Unreachable, cause, message), List.of());
  }
}
