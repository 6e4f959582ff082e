package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceStatus;
import dev.hostops.host.ApplyPlan;
import dev.hostops.host.ApplyQueue;
import dev.hostops.host.Audit;
import dev.hostops.host.HostSessions;
import dev.hostops.host.ProbeCache;
import dev.hostops.host.ServiceObservation;
import dev.hostops.host.ServiceSync;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.ssh.HostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Act: the only step that changes hosts. Applies each host's plan through its ApplyQueue (every service
 * bound for one host in one round trip), and removes the service from hosts it no longer targets.
 */
final class ServiceActuator {
  private static final Logger LOG = LoggerFactory.getLogger(ServiceActuator.class);

  private final HostTargets targets;
  private final HostSessions sessions;
  private final ServiceSync sync;
  private final ApplyQueue applies;
  private final ProbeCache probes;
  private final HostWork work;

  ServiceActuator(HostTargets targets, HostSessions sessions, ServiceSync sync, ApplyQueue applies, ProbeCache probes,
                  HostWork work) {
    this.targets = targets;
    this.sessions = sessions;
    this.sync = sync;
    this.applies = applies;
    this.probes = probes;
    this.work = work;
  }

  /** Says that this reconcile may bring applies for these hosts (see {@link ApplyQueue.Expected}). */
  ApplyQueue.Expected expect(Collection<Host> hosts) {
    return applies.expect(hosts.stream().map(HostTargets::key).toList());
  }

  /**
   * Brings each host in line with its plan, all hosts at once. The applies are queued (ApplyQueue) and
   * waited for here: no host work thread is held while a host's batch gathers.
   */
  List<HostOutcome> apply(HostService service, List<TargetHost> changing, ApplyQueue.Expected expected) {
    List<CompletableFuture<HostOutcome>> outcomes = changing.stream().map(t -> apply(service, t, expected)).toList();
    return outcomes.stream().map(CompletableFuture::join).toList();
  }

  /** Removes the service from the hosts in its last status that it no longer targets, all at once. */
  List<HostOutcome> leave(HostService service, HostServiceStatus previous, List<String> wanted,
                          Map<String, Host> hosts) {
    List<TargetHost> leaving = previous.hosts.stream()
        .filter(old -> !wanted.contains(old.host) && hosts.containsKey(old.host))
        .map(old -> TargetHost.named(old.host, hosts.get(old.host), old, null, null)).toList();
    return work.each(leaving, t -> {
      try {
        remove(service, t.host());
        return new HostOutcome.Removed(t);
      } catch (HostTargets.InvalidHostException | HostException e) {
        return new HostOutcome.RemovalPending(t, e.getMessage());
      }
    });
  }

  /**
   * What a deleted service's finalizer could not do: hosts it could not reach yet (retried), and hosts whose
   * Host resource is gone, where what was applied stays on the machine (said, never silently skipped).
   */
  record Cleanup(List<String> failed, List<String> left) {}

  /**
   * Removes a deleted service from each host, one by one. A host whose Host resource is gone (its finalizer
   * removed by hand) cannot be reached any more: when the service's last status shows it was applied there,
   * that host is named in {@link Cleanup#left()}.
   */
  Cleanup removeEverywhere(HostService service, List<String> names, Map<String, Host> hosts) {
    List<String> failed = new ArrayList<>();
    List<String> left = new ArrayList<>();
    for (String name : names) {
      Host host = hosts.get(name);
      if (host == null) {
        if (appliedOn(service, name)) {
          left.add(name);
        }
        continue;
      }
      try {
        if (remove(service, host)) {
          LOG.info("hostservice={} host={} removed (resource deleted)", ServiceRenderer.owner(service), name);
        }
      } catch (HostTargets.InvalidHostException | HostException e) {
        failed.add(name + ": " + e.getMessage());
      }
    }
    return new Cleanup(failed, left);
  }

  /**
   * Whether the service's last status says something may have been applied on the host: an entry that
   * saw or applied something, or one whose state is not "never touched" (a fault written from a stale
   * copy of the status can lack what was applied before it; saying too much beats saying nothing).
   */
  static boolean appliedOn(HostService service, String host) {
    return service.getStatus() != null && service.getStatus().hosts != null && service.getStatus().hosts.stream()
        .anyMatch(h -> host.equals(h.host) && (h.appliedHash != null || h.imageDigest != null || h.unit != null
            || !NEVER_APPLIED.contains(ServiceState.of(h))));
  }

  /** States in which hostops has put nothing on the host: its Host missing or unprobed, a refusal. */
  private static final Set<ServiceState> NEVER_APPLIED = EnumSet.of(ServiceState.Pending, ServiceState.Refused);

  private CompletableFuture<HostOutcome> apply(HostService service, TargetHost t, ApplyQueue.Expected expected) {
    ApplyPlan plan = t.plan();
    if (plan.refusal() != null) {
      return CompletableFuture.completedFuture(new HostOutcome.Refused(t, plan.refusal()));
    }
    if (plan.isNoop()) {
      return CompletableFuture.completedFuture(new HostOutcome.Synced(t, t.seen()));
    }
    CompletableFuture<ServiceObservation> applied;
    String key = HostTargets.key(t.host());
    try {
      Audit.resource(ServiceRenderer.owner(service), service.getMetadata().getGeneration(),
          service.getSpec().image, service.getSpec().adopt);
      applied = applies.submit(key, t.ssh(), t.desired(), plan, expected);
    } catch (RuntimeException e) {
      applied = CompletableFuture.failedFuture(e);
    }
    return applied.handle((after, failure) -> {
      if (failure == null) {
        // stamped when the apply ended, not when it began: the Host's drift check may have probed while the
        // script ran (before its restart), and that older sight must not replace the apply's closing probe
        probes.put(key, service.getMetadata().getName(), after, System.nanoTime());
        return new HostOutcome.Synced(t, after);
      }
      Throwable e = failure instanceof CompletionException c && c.getCause() != null
          ? c.getCause() : failure;
      if (e instanceof ServiceSync.ApplyFailedException f) {
        return new HostOutcome.Fault(t, ServiceState.Error, HostOutcome.Cause.Failed, f.getMessage());
      }
      if (e instanceof HostException h) {
        // only the apply talks to the host here: the change was sent
        return new HostOutcome.Unanswered(t, ServiceStatusRecorder.UNREACHABLE + h.getMessage());
      }
      LOG.error("hostservice={} host={} unexpected error", ServiceRenderer.owner(service), t.name(), e);
      return new HostOutcome.Fault(t, ServiceState.Error, HostOutcome.Cause.Failed,
          e.getClass().getSimpleName() + ": " + e.getMessage());
    });
  }

  private boolean remove(HostService service, Host host) throws HostTargets.InvalidHostException, HostException {
    return sessions.with(HostTargets.key(host), targets.resolveToClean(host),
        c -> sync.remove(c, service.getMetadata().getName(), ServiceRenderer.owner(service)));
  }
}
