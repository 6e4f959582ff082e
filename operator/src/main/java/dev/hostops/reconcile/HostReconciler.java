package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostStatus;
import dev.hostops.host.ExecResult;
import dev.hostops.host.HostConnection;
import dev.hostops.host.HostFacts;
import dev.hostops.host.HostKeyMismatchException;
import dev.hostops.host.HostSessions;
import dev.hostops.host.HostUnreachableException;
import dev.hostops.host.SshTarget;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Probes each Host and reports reachability, host key, OS and versions in its status. */
@ControllerConfiguration(name = "host")
public final class HostReconciler implements Reconciler<Host> {
  private static final Logger LOG = LoggerFactory.getLogger(HostReconciler.class);

  private final HostTargets targets;
  private final HostSessions sessions;
  private final EventRecorder events;
  private final Duration resync;
  private final Duration timeout;

  public HostReconciler(HostTargets targets, HostSessions sessions, EventRecorder events, Duration resync,
                        Duration timeout) {
    this.targets = targets;
    this.sessions = sessions;
    this.events = events;
    this.resync = resync;
    this.timeout = timeout;
  }

  @Override
  public UpdateControl<Host> reconcile(Host host, Context<Host> context) {
    String key = HostTargets.key(host);
    HostStatus previous = host.getStatus() == null ? new HostStatus() : host.getStatus();
    HostStatus status = new HostStatus();
    status.observedGeneration = host.getMetadata().getGeneration();
    status.lastProbeTime = Instant.now().toString();
    Conditions conditions = new Conditions(previous.conditions, host.getMetadata().getGeneration());
    try {
      SshTarget target = targets.resolve(host);
      HostConnection[] used = new HostConnection[1];
      ExecResult r = sessions.with(key, target, c -> {
        used[0] = c;
        return c.run(HostFacts.SCRIPT, timeout);
      });
      HostFacts facts = HostFacts.parse(r.stdout());
      status.reachable = true;
      status.hostKeyFingerprint = used[0].hostKeyFingerprint();
      status.os = facts.os();
      status.kernel = facts.kernel();
      status.systemdVersion = facts.systemdVersion();
      status.dockerVersion = facts.dockerVersion();
      status.composeCommand = facts.composeCommand();
      status.services = facts.services();
      boolean docker = facts.dockerVersion() != null;
      status.message = docker ? "reachable as " + target.user() : "reachable, but Docker does not answer";
      conditions.set("Reachable", true, "Connected", "SSH as " + target.user() + ", host key " + status.hostKeyFingerprint);
      conditions.set("Ready", docker, docker ? "Ready" : "DockerUnavailable", status.message);
    } catch (HostTargets.InvalidHostException e) {
      unreachable(host, status, conditions, "InvalidSpec", e.getMessage(), previous);
    } catch (HostKeyMismatchException e) {
      status.hostKeyFingerprint = e.presentedFingerprint();
      unreachable(host, status, conditions, "HostKeyMismatch", e.getMessage(), previous);
    } catch (HostUnreachableException e) {
      unreachable(host, status, conditions, "Unreachable", e.getMessage(), previous);
    }
    status.conditions = conditions.list();
    if (!Objects.equals(previous.reachable, status.reachable)) {
      LOG.info("host={} reachable={} {}", key, status.reachable, status.message);
    }
    host.setStatus(status);
    return UpdateControl.patchStatus(host).rescheduleAfter(resync);
  }

  private void unreachable(Host host, HostStatus status, Conditions conditions, String reason, String message,
                           HostStatus previous) {
    status.reachable = false;
    status.message = message;
    // Keep what was last known about the machine; it is still useful while it is away.
    status.os = previous.os;
    status.kernel = previous.kernel;
    status.systemdVersion = previous.systemdVersion;
    status.dockerVersion = previous.dockerVersion;
    status.composeCommand = previous.composeCommand;
    status.services = previous.services;
    if (status.hostKeyFingerprint == null) {
      status.hostKeyFingerprint = previous.hostKeyFingerprint;
    }
    conditions.set("Reachable", false, reason, message);
    conditions.set("Ready", false, reason, message);
    if (!Boolean.FALSE.equals(previous.reachable) || !message.equals(previous.message)) {
      events.warning(host, reason, message);
    }
  }
}
