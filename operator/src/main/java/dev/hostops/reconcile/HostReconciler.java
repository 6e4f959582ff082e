package dev.hostops.reconcile;

import dev.hostops.api.Condition;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostStatus;
import dev.hostops.api.LogAgentSpec;
import dev.hostops.api.LogConfigStatus;
import dev.hostops.api.LogScrape;
import dev.hostops.api.LoginKeyStatus;
import dev.hostops.api.OtherProcessStatus;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.host.HostBusyException;
import dev.hostops.host.HostConnection;
import dev.hostops.host.HostFacts;
import dev.hostops.host.HostProgram;
import dev.hostops.host.HostSessions;
import dev.hostops.host.LockHolder;
import dev.hostops.host.LogAgentApply;
import dev.hostops.host.LoginKeyRotation;
import dev.hostops.host.OtherProcess;
import dev.hostops.host.ProbeCache;
import dev.hostops.host.ServiceSync;
import dev.hostops.metrics.OperatorMetrics;
import dev.hostops.render.LogConfigRenderer;
import dev.hostops.ssh.BastionUnreachableException;
import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.HostKeyMismatchException;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.KeyNotAuthorizedException;
import dev.hostops.ssh.LoginKey;
import dev.hostops.ssh.SshTarget;
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
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Probes each Host and reports reachability, host key, OS and versions in its status. A deleted Host is
 * let go only once no HostService runs on it any more (its finalizer): deleting everything at once
 * ({@code kubectl delete -f dir/}, an Argo CD Application with cascade) lets the services' finalizers
 * reach the machine first.
 */
@ControllerConfiguration(name = "host")
public final class HostReconciler implements Reconciler<Host>, Cleaner<Host> {
  private static final Logger LOG = LoggerFactory.getLogger(HostReconciler.class);

  private final HostTargets targets;
  private final HostSessions sessions;
  private final EventRecorder events;
  private final Duration resync;
  private final Duration timeout;
  private final String lokiUrl;
  private final OperatorMetrics metrics;
  private final ServiceSync sync;
  private final ProbeCache probes;
  private final Shard shard;

  public HostReconciler(HostTargets targets, HostSessions sessions, EventRecorder events, Duration resync,
                        Duration timeout, String lokiUrl, OperatorMetrics metrics,
                        ServiceSync sync, ProbeCache probes, Shard shard) {
    this.shard = shard;
    this.metrics = metrics;
    this.sync = sync;
    this.probes = probes;
    this.targets = targets;
    this.sessions = sessions;
    this.events = events;
    this.resync = resync;
    this.timeout = timeout;
    this.lokiUrl = lokiUrl;
  }

  @Override
  public List<EventSource<?, Host>> prepareEventSources(EventSourceContext<Host> context) {
    // A LogScrape change (or deletion) may concern any Host of its namespace: they are few.
    var scrapes = InformerEventSourceConfiguration.from(LogScrape.class, Host.class)
        .withSecondaryToPrimaryMapper(s -> context.getPrimaryCache().list(s.getMetadata().getNamespace())
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withLabelSelector(shard.selector())
        .build();
    return List.of(new InformerEventSource<>(scrapes, context));
  }

  @Override
  public UpdateControl<Host> reconcile(Host host, Context<Host> context) {
    return StatusWrite.onlyIfChanged(host, Host::getStatus, r -> reconcileStatus(r, context));
  }

  private UpdateControl<Host> reconcileStatus(Host host, Context<Host> context) {
    String key = HostTargets.key(host);
    HostStatus previous = host.getStatus() == null ? new HostStatus() : host.getStatus();
    HostStatus status = new HostStatus();
    status.observedGeneration = host.getMetadata().getGeneration();
    Conditions conditions = new Conditions(previous.conditions, host.getMetadata().getGeneration());
    String loginKey = null;
    try {
      SshTarget target = targets.resolve(host);
      loginKey = LoginKey.fingerprint(target.privateKey());
      status.loginKey = rotateLoginKey(host, key, target, previous);
      HostConnection[] used = new HostConnection[1];
      // facts and every service's state in one round trip: the per-host drift check
      long started = System.nanoTime();
      ServiceSync.HostSnapshot probe = sessions.with(key, target, c -> {
        used[0] = c;
        return sync.snapshot(c, true);
      });
      probes.putAll(key, probe.services(), started);
      HostFacts facts = HostFacts.parse(probe.output());
      status.reachable = true;
      if (status.loginKey.since == null) {
        status.loginKey.since = Instant.now().toString();
      }
      status.hostKeyFingerprint = used[0].hostKeyFingerprint();
      status.os = facts.os();
      status.kernel = facts.kernel();
      status.systemdVersion = facts.systemdVersion();
      status.dockerVersion = facts.dockerVersion();
      status.composeCommand = facts.composeCommand();
      status.services = facts.services();
      boolean docker = facts.dockerVersion() != null;
      String via = target.proxyJump() == null ? "" : " through bastion " + target.proxyJump().endpoint();
      status.message = docker ? "reachable as " + target.user() + via : "reachable" + via + ", but Docker does not answer";
      status.logConfig = logConfig(host, key, target, facts, previous, context);
      conditions.set("Reachable", true, "Connected", "SSH as " + target.user() + via + ", host key "
          + status.hostKeyFingerprint);
      conditions.set("Ready", docker, docker ? "Ready" : "DockerUnavailable", status.message);
    } catch (HostTargets.InvalidHostException e) {
      probes.invalidate(key);
      unreachable(host, status, conditions, "InvalidSpec", e.getMessage(), previous);
    } catch (BastionUnreachableException e) {
      // the host was never reached: its own key and facts stay as last seen, the reason names the bastion
      probes.invalidate(key);
      unreachable(host, status, conditions, e.reason(), e.getMessage(), previous);
    } catch (HostKeyMismatchException e) {
      probes.invalidate(key);
      status.hostKeyFingerprint = e.presentedFingerprint();
      unreachable(host, status, conditions, e.reason(), e.getMessage(), previous);
    } catch (KeyNotAuthorizedException e) {
      probes.invalidate(key);
      unreachable(host, status, conditions, "KeyNotAuthorized", e.getMessage(), previous);
    } catch (HostBusyException e) {
      probes.invalidate(key);
      unreachable(host, status, conditions, "HostBusy", e.getMessage(), previous);
    } catch (HostUnreachableException e) {
      probes.invalidate(key);
      if (LoginKeyRotation.refused(e)) {
        unreachable(host, status, conditions, "KeyNotAuthorized", e.getMessage() + " (login key " + loginKey + ")", previous);
      } else {
        unreachable(host, status, conditions, "Unreachable", e.getMessage(), previous);
      }
    } catch (HostException e) {
      probes.invalidate(key);
      unreachable(host, status, conditions, "Unreachable", e.getMessage(), previous);
    }
    otherProcess(host, key, previous, status, conditions);
    status.conditions = conditions.list();
    if (!Objects.equals(previous.reachable, status.reachable)) {
      LOG.info("host={} reachable={} {}", key, status.reachable, status.message);
    }
    metrics.hostReachable(host.getMetadata().getNamespace(), host.getMetadata().getName(),
        Boolean.TRUE.equals(status.reachable));
    host.setStatus(status);
    return UpdateControl.patchStatus(host).rescheduleAfter(resync);
  }

  /** How often a deleted Host looks again whether services still run on it. */
  private static final Duration RELEASE_POLL = Duration.ofSeconds(3);

  /**
   * A deleted Host waits while any HostService targets it or still lists it in its status: their finalizers
   * need it (its address, host key and login key) to take their units and containers off the machine.
   * To give up on the machine, a user removes this finalizer by hand; the services then say which hosts
   * keep what ({@link ServiceActuator#removeEverywhere}).
   */
  @Override
  public DeleteControl cleanup(Host host, Context<Host> context) {
    String key = HostTargets.key(host);
    List<String> services = servicesOn(host);
    if (services.isEmpty()) {
      targets.forget(host);
      probes.invalidate(key);
      waiting.remove(host.getMetadata().getUid());
      LOG.info("host={} released: no HostService runs on it", key);
      return DeleteControl.defaultDelete();
    }
    String message = "deletion waits until hostops has removed " + String.join(", ", services)
        + " from this host; to leave them on the machine instead, remove this Host's finalizer: kubectl patch host "
        + host.getMetadata().getName() + " -n " + host.getMetadata().getNamespace()
        + " --type=json -p '[{\"op\":\"remove\",\"path\":\"/metadata/finalizers\"}]'";
    if (!message.equals(waiting.put(host.getMetadata().getUid(), message))) {
      events.normal(host, "WaitingForServices", message);
      LOG.info("host={} {}", key, message);
    }
    return DeleteControl.noFinalizerRemoval().rescheduleAfter(RELEASE_POLL);
  }

  /** What the last WaitingForServices Event of each deleted Host said (one Event per change, not per poll). */
  private final Map<String, String> waiting = new ConcurrentHashMap<>();

  /** Names of the HostServices of the Host's namespace that target it or list it in their status. */
  private List<String> servicesOn(Host host) {
    String name = host.getMetadata().getName();
    return targets.client().resources(HostService.class).inNamespace(host.getMetadata().getNamespace())
        .list().getItems().stream()
        .filter(s -> HostSelection.targets(s, host) || (s.getStatus() != null && s.getStatus().hosts != null
            && s.getStatus().hosts.stream().anyMatch(h -> name.equals(h.host))))
        .map(s -> s.getMetadata().getName())
        .sorted()
        .toList();
  }

  /**
   * The host's log agent config from every LogScrape selecting it: written (and the agent reloaded)
   * only when its hash differs from the file on the host, which the facts probe reported.
   */
  @SuppressWarnings("unchecked")
  private LogConfigStatus logConfig(Host host, String key, SshTarget target, HostFacts facts, HostStatus previous,
                                    Context<Host> context) {
    InformerEventSource<LogScrape, Host> source = (InformerEventSource<LogScrape, Host>)
        context.eventSourceRetriever().getEventSourceFor(LogScrape.class);
    List<LogScrape> scrapes = source.list(host.getMetadata().getNamespace(), s -> HostSelection.targets(s, host))
        .toList();
    LogAgentSpec agent = host.getSpec().logAgent == null ? new LogAgentSpec() : host.getSpec().logAgent;
    if (host.getSpec().logAgent == null && scrapes.isEmpty() && previous.logConfig == null) {
      return null;
    }
    LogConfigStatus ls = new LogConfigStatus();
    LogConfigStatus before = previous.logConfig;
    ls.lastReload = before == null ? null : before.lastReload;
    LogConfigRenderer.LogConfig config;
    try {
      config = LogConfigRenderer.render(facts.hostname(), agent, lokiUrl, scrapes);
    } catch (LogConfigRenderer.LogConfigException e) {
      LogConfigStatus problem = logProblem(host, before, e.getMessage());
      problem.problemScrapes = e.scrapes().isEmpty() ? null : List.copyOf(new TreeSet<>(e.scrapes()));
      return problem;
    }
    ls.path = config.path();
    ls.format = config.format();
    ls.jobs = config.jobs();
    String current = facts.logConfigHash(config.format());
    if (config.hash().equals(current)) {
      ls.hash = current;
      return ls;
    }
    if (current != null && !facts.logConfigOwned() && !agent.adopt) {
      return logProblem(host, before, config.path() + " exists and was not written by hostops; remove it, or set "
          + "spec.logAgent.adopt to take it over");
    }
    try {
      ExecResult r = sessions.with(key, target,
          c -> c.run(HostProgram.Job.LOGAGENT,
              LogAgentApply.manifest(config.path(), config.content(), agent.containerOrDefault()), timeout));
      if (!r.ok()) {
        return logProblem(host, before, "writing " + config.path() + " failed: " + r.stderr().strip());
      }
      ls.hash = config.hash();
      boolean reloaded = r.stdout().contains("reloaded");
      if (reloaded) {
        ls.lastReload = Instant.now().toString();
      }
      String message = "wrote " + config.path() + " (" + config.jobs().size() + " jobs)"
          + (reloaded ? ", reloaded " + agent.containerOrDefault() : ", " + agent.containerOrDefault() + " not running");
      events.normal(host, "LogConfigApplied", message);
      LOG.info("host={} {}", key, message);
    } catch (HostException e) {
      return logProblem(host, before, "writing " + config.path() + " failed: " + e.getMessage());
    }
    return ls;
  }

  private LogConfigStatus logProblem(Host host, LogConfigStatus before, String problem) {
    LogConfigStatus ls = new LogConfigStatus();
    if (before != null) {
      ls.path = before.path;
      ls.format = before.format;
      ls.hash = before.hash;
      ls.jobs = before.jobs;
      ls.lastReload = before.lastReload;
    }
    ls.problem = problem;
    if (before == null || !problem.equals(before.problem)) {
      events.warning(host, "LogConfigNotApplied", problem);
      LOG.warn("host={} log config not applied: {}", HostTargets.key(host), problem);
    }
    return ls;
  }

  /**
   * The login key in use on the host. A key in spec.sshKeySecretRef other than the one in use is rotated in
   * first ({@link LoginKeyRotation}); the old key comes from the Secret status names, or, when the Secret's
   * content was replaced, from the connection still open with it. A first key is recorded without a date
   * until a connection with it succeeded (then {@code since} is set).
   */
  private LoginKeyStatus rotateLoginKey(Host host, String key, SshTarget target, HostStatus previous) throws HostException {
    String fingerprint = LoginKey.fingerprint(target.privateKey());
    LoginKeyStatus was = previous.loginKey;
    SecretKeyRef ref = host.getSpec().sshKeySecretRef;
    LoginKeyStatus now = new LoginKeyStatus();
    now.fingerprint = fingerprint;
    now.publicKey = LoginKey.authorizedKey(target.privateKey());
    now.secretRef = new SecretKeyRef(ref.name, ref.key == null ? "ssh-privatekey" : ref.key);
    if (was == null || was.fingerprint == null || was.since == null) {
      return now; // since: set once a connection with it succeeded
    }
    if (fingerprint.equals(was.fingerprint)) {
      now.since = was.since;
      return now;
    }
    SshTarget old = targets.withKey(host, target, was.secretRef, was.fingerprint);
    LoginKeyRotation.Outcome outcome = LoginKeyRotation.rotate(key, target, old, was.publicKey, new LoginKeyRotation.LiveConnection() {
      @Override
      public <T> T with(HostSessions.Work<T> work) throws HostException {
        return sessions.withOpen(key, work);
      }
    }, timeout);
    LOG.info("host={} {}", key, outcome.message());
    events.normal(host, "LoginKeyRotated", outcome.message());
    now.since = Instant.now().toString();
    return now;
  }

  /**
   * The Conflict condition: another hostops process ran jobs on this host between two of this process's
   * (host/main.sh names the lock's previous holder), so two releases or shards manage it. It stays while that
   * was seen within {@link #otherProcessMemory}, then reads False; a Host that never had one gets none.
   */
  private void otherProcess(Host host, String key, HostStatus previous, HostStatus status, Conditions conditions) {
    Condition before = previous.conditions == null ? null : previous.conditions.stream()
        .filter(c -> CONFLICT.equals(c.type)).findFirst().orElse(null);
    Duration memory = otherProcessMemory(resync);
    status.otherProcess = otherProcess(sessions.otherProcess(key), previous.otherProcess, Instant.now(), memory);
    String message = otherProcessMessage(status.otherProcess, LockHolder.who());
    if (message != null) {
      conditions.set(CONFLICT, true, "AnotherHostopsProcess", message);
      if (before == null || !"True".equals(before.status) || !message.equals(before.message)) {
        events.warning(host, "AnotherHostopsProcess", message);
        LOG.warn("host={} {}", key, message);
      }
    } else if (before != null) {
      conditions.set(CONFLICT, false, "NoOtherProcess", "no other hostops process has run jobs on this host "
          + "between this process's for " + memory.toMinutes() + " min");
    }
  }

  static final String CONFLICT = "Conflict";
  private static final DateTimeFormatter UTC =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'").withZone(ZoneOffset.UTC);

  /** How long a process seen between two of this process's jobs is remembered: 10 min, or 3 resyncs if longer. */
  static Duration otherProcessMemory(Duration resync) {
    Duration three = resync.multipliedBy(3);
    return three.compareTo(Duration.ofMinutes(10)) > 0 ? three : Duration.ofMinutes(10);
  }

  /**
   * The other process of the Conflict condition, or null when there is none: the one {@code seen} within
   * {@code memory} before {@code now}, with the time it was first seen (kept from {@code before} while it is the
   * same process, so an unchanged conflict writes nothing).
   */
  static OtherProcessStatus otherProcess(OtherProcess seen, OtherProcessStatus before, Instant now, Duration memory) {
    if (seen == null || seen.at().plus(memory).isBefore(now)) {
      return null;
    }
    boolean same = before != null && seen.who().equals(before.holder) && before.since != null;
    return new OtherProcessStatus(seen.who(), same ? before.since : seen.at().truncatedTo(ChronoUnit.SECONDS).toString());
  }

  /** The Conflict condition's message for the other process (null: none); {@code self}, this process. */
  static String otherProcessMessage(OtherProcessStatus other, String self) {
    if (other == null) {
      return null;
    }
    return "another hostops process, " + other.holder + ", also runs jobs on this host (between jobs of this process, "
        + self + ", since " + UTC.format(Instant.parse(other.since)) + "): two releases or shards manage it; declare"
        + " this host once, in one shard";
  }

  private void unreachable(Host host, HostStatus status, Conditions conditions, String reason, String message,
                           HostStatus previous) {
    status.reachable = false;
    status.message = message;
    if (status.loginKey == null || status.loginKey.since == null) {
      status.loginKey = previous.loginKey;
    }
    // Keep what was last known about the machine; it is still useful while it is away.
    status.os = previous.os;
    status.kernel = previous.kernel;
    status.systemdVersion = previous.systemdVersion;
    status.dockerVersion = previous.dockerVersion;
    status.composeCommand = previous.composeCommand;
    status.services = previous.services;
    status.logConfig = previous.logConfig;
    if (status.hostKeyFingerprint == null) {
      status.hostKeyFingerprint = previous.hostKeyFingerprint;
    }
    conditions.set("Reachable", false, reason, message);
    conditions.set("Ready", false, reason, message);
    String reasonBefore = previous.conditions == null ? null : previous.conditions.stream()
        .filter(c -> "Reachable".equals(c.type)).map(c -> c.reason).findFirst().orElse(null);
    // a lost link is one problem however each attempt fails (reset, timeout, closed in the handshake)
    boolean sameProblem = reason.equals(reasonBefore) && ("Unreachable".equals(reason)
        || "BastionUnreachable".equals(reason) || message.equals(previous.message));
    if (!Boolean.FALSE.equals(previous.reachable) || !sameProblem) {
      events.warning(host, reason, message);
    }
  }
}
