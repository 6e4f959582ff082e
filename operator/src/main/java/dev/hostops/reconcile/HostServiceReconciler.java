package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceStatus;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.host.ApplyQueue;
import dev.hostops.host.HostSessions;
import dev.hostops.host.ProbeCache;
import dev.hostops.host.ServiceSync;
import dev.hostops.metrics.OperatorMetrics;
import dev.hostops.registry.TagLookup;
import dev.hostops.render.References;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.render.ServiceValidation;
import dev.hostops.ssh.HostException;
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
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HostService controller: which events wake a service, and a reconcile in four steps, each in a
 * class named for it. Observe (ServiceObserver: render and probe every target host), decide
 * (RolloutDecider: which hosts change now), act (ServiceActuator: apply, and leave hosts no longer
 * targeted), record (ServiceStatusRecorder: status, Events, metrics). Re-runs every resync period, so
 * drift made by hand on a host is found and corrected.
 */
@ControllerConfiguration(name = "hostservice")
public final class HostServiceReconciler implements Reconciler<HostService>, Cleaner<HostService> {
  private static final Logger LOG = LoggerFactory.getLogger(HostServiceReconciler.class);
  private static final Duration CLEANUP_RETRY = Duration.ofSeconds(10);
  private static final long LIST_PAGE = 500;

  private final HostTargets targets;
  private final ReferencedObjects<Secret> secrets;
  private final ReferencedObjects<ConfigMap> configMaps;
  private final ServiceObserver observer;
  private final ServiceActuator actuator;
  private final ServiceStatusRecorder recorder;
  private final ShardedHosts shardedHosts;
  private final Shard shard;
  private final TagLookup tags;
  private final HostSessions sessions;
  private final ServiceSync sync;

  public HostServiceReconciler(HostTargets targets, HostSessions sessions, ServiceSync sync, EventRecorder events,
                               ExecutorService hostWork, Duration resync, OperatorMetrics metrics, ProbeCache probes,
                               Shard shard) {
    this.targets = targets;
    this.shard = shard;
    this.shardedHosts = new ShardedHosts(targets.client(), shard);
    this.secrets = new ReferencedObjects<>(targets.client(), Secret.class);
    this.configMaps = new ReferencedObjects<>(targets.client(), ConfigMap.class);
    HostWork work = new HostWork(hostWork);
    this.observer = new ServiceObserver(targets, sessions, sync, probes, resync, work);
    // applies of every service bound for one host go in one round trip
    ApplyQueue applies = new ApplyQueue(sessions, sync, hostWork, metrics::applied);
    this.actuator = new ServiceActuator(targets, sessions, sync, applies, probes, work);
    this.recorder = new ServiceStatusRecorder(events, metrics, resync);
    this.tags = TagLookup.fromEnvironment();
    this.sessions = sessions;
    this.sync = sync;
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
        .withLabelSelector(shard.selector())
        .build();
    var hostSource = new InformerEventSource<>(hosts, context);
    // A Secret or ConfigMap wakes only the services that refer to it by name, or run on a Host that
    // names it as a default image pull Secret. The informers hold metadata only; contents are read for
    // referenced objects, once per change (ReferencedObjects).
    var secrets = InformerEventSourceConfiguration.from(Secret.class, HostService.class)
        .withSecondaryToPrimaryMapper(s -> {
          String name = s.getMetadata().getName();
          // a Host's pull Secrets, and its SSH key and its bastion's: a new key is used at once
          List<Host> naming = hostSource.list(s.getMetadata().getNamespace(),
              h -> ServiceReferences.hostPullSecretNames(h).contains(name)
                  || ServiceReferences.hostKeySecretNames(h).contains(name)).toList();
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
                                           Predicate<HostService> refersTo) {
    return context.getPrimaryCache().list(secondary.getMetadata().getNamespace())
        .filter(refersTo)
        .map(ResourceID::fromResource)
        .collect(Collectors.toSet());
  }

  @Override
  public UpdateControl<HostService> reconcile(HostService service, Context<HostService> context) {
    return StatusWrite.onlyIfChanged(service, HostService::getStatus, r -> reconcileStatus(r, context));
  }

  private UpdateControl<HostService> reconcileStatus(HostService service, Context<HostService> context) {
    HostServiceStatus previous = service.getStatus() == null ? new HostServiceStatus() : service.getStatus();
    List<String> problems = ServiceValidation.problems(service);
    if (!problems.isEmpty()) {
      return recorder.invalid(service, previous, problems, List.of());
    }
    Map<String, Host> hosts = hostsOf(service, context);
    // Hosts of another shard are that release's: named here, never touched (not applied, not left)
    Map<String, Host> foreign = shardedHosts.elsewhere(service, previous, hosts);
    List<String> wanted = new ArrayList<>(HostSelection.hostNames(service, hosts.values()));
    HostSelection.hostNames(service, foreign.values()).stream().filter(n -> !wanted.contains(n)).forEach(wanted::add);
    List<String> local = wanted.stream().filter(n -> !foreign.containsKey(n)).toList();
    // applies bound for these hosts wait while this reconcile probes and decides (one batch, not several)
    try (ApplyQueue.Expected expected = actuator.expect(local.stream().map(hosts::get).filter(Objects::nonNull).toList())) {
      return reconcileOn(service, previous, hosts, foreign, wanted, local, expected);
    }
  }

  private UpdateControl<HostService> reconcileOn(HostService service, HostServiceStatus previous, Map<String, Host> hosts,
                                                 Map<String, Host> foreign, List<String> wanted, List<String> local,
                                                 ApplyQueue.Expected expected) {
    References refs = references(service, hosts, local);
    ImageTracking.Choice image = ImageTracking.choose(service, previous.rollout, previous.update, previous.hosts,
        // the credentials are rendered only when a lookup is due, not at every idle resync
        lookup(service, hosts, local), () -> ServiceRenderer.registryConfig(service.getSpec(), refs,
            hostPullSecrets(hosts, local)), Instant.now());
    // the rest of the reconcile works on the image chosen: a tag pinned by digest renders as such
    HostService pinned = Objects.equals(image.image(), service.getSpec().image) ? service
        : RolloutPhases.withImage(service, image.image());
    UpdateControl<HostService> control = reconcileOn(pinned, image, previous, hosts, foreign, wanted, local, refs,
        expected);
    if (pinned == service || !control.isPatchStatus()) {
      return control;
    }
    // the status was built on the copy: it goes out on the resource as read (its spec untouched)
    service.setStatus(pinned.getStatus());
    UpdateControl<HostService> same = UpdateControl.patchStatus(service);
    control.getScheduleDelay().ifPresent(same::rescheduleAfter);
    return same;
  }

  private UpdateControl<HostService> reconcileOn(HostService service, ImageTracking.Choice image,
                                                 HostServiceStatus previous, Map<String, Host> hosts,
                                                 Map<String, Host> foreign, List<String> wanted, List<String> local,
                                                 References refs, ApplyQueue.Expected expected) {
    RolloutStatus rollout = image.rollout();
    ServiceObserver.Observation seen = observer.observe(service, refs,
        targeted(service, local, hosts, previous, rollout));
    List<HostOutcome> elsewhere = foreign.keySet().stream().filter(wanted::contains)
        .map(name -> (HostOutcome) new HostOutcome.NotProbed(TargetHost.named(name, null, previous.hosts.stream()
            .filter(h -> name.equals(h.host)).findFirst().orElse(null), service.getSpec().image, null),
            ServiceState.Refused, ShardedHosts.message(name, foreign.get(name), shard)))
        .toList();
    if (!seen.problems().isEmpty()) {
      List<HostOutcome> notProbed = new ArrayList<>(seen.notProbed());
      notProbed.addAll(elsewhere);
      return recorder.invalid(service, previous, seen.problems(), notProbed);
    }
    RolloutDecider.Decision decision = RolloutDecider.decide(service, refs, seen, rollout, image.blocked(),
        Instant.now());
    List<HostOutcome> outcomes = new ArrayList<>(seen.notProbed());
    outcomes.addAll(elsewhere);
    outcomes.addAll(decision.held());
    outcomes.addAll(actuator.apply(service, decision.changing(), expected));
    outcomes.addAll(actuator.leave(service, previous, wanted, hosts));
    if (!elsewhere.isEmpty()) {
      LOG.info("hostservice={}/{} shard={} not applied on {}: their Hosts carry another {}",
          service.getMetadata().getNamespace(), service.getMetadata().getName(), shard.name() == null ? "default" : shard.name(),
          elsewhere.stream().map(o -> ((HostOutcome.NotProbed) o).target().name()).toList(), Shard.LABEL);
    }
    return recorder.record(service, previous, wanted, outcomes, decision, image);
  }

  /**
   * Where a tag is looked up: by this process, or (spec.update.lookup Host, for a registry only the hosts
   * reach) by the first of the service's hosts, which pulls it.
   */
  private ImageTracking.Lookup lookup(HostService service, Map<String, Host> hosts, List<String> local) {
    if (service.getSpec().update == null || !service.getSpec().update.onHost()) {
      return tags::digest;
    }
    String name = service.getMetadata().getName();
    return (image, config, maxAge) -> tags.digest(image, config, maxAge, () -> {
      Host first = local.stream().sorted().map(hosts::get).filter(Objects::nonNull).findFirst().orElse(null);
      if (first == null) {
        return new TagLookup.Answer(null, "looking up " + image + " on a host: no Host of the service exists",
            Instant.now());
      }
      try {
        return sessions.with(HostTargets.key(first), targets.resolve(first), c -> sync.pullDigest(c, name, image));
      } catch (HostTargets.InvalidHostException | HostException e) {
        return new TagLookup.Answer(null, "looking up " + image + " on " + first.getMetadata().getName() + ": "
            + e.getMessage(), Instant.now());
      }
    });
  }

  private static List<String> hostPullSecrets(Map<String, Host> hosts, List<String> names) {
    Set<String> secrets = new LinkedHashSet<>();
    names.stream().map(hosts::get).filter(Objects::nonNull)
        .forEach(h -> secrets.addAll(ServiceReferences.hostPullSecretNames(h)));
    return List.copyOf(secrets);
  }

  /** The hosts the service targets, each with its last status entry. */
  private static List<TargetHost> targeted(HostService service, List<String> wanted, Map<String, Host> hosts,
                                           HostServiceStatus previous, RolloutStatus rollout) {
    // autoRevert keeps the hosts it put back on their earlier image until the spec changes
    boolean reverted = RolloutStatus.REVERTED.equals(rollout.phase);
    return wanted.stream().map(name -> {
      ServiceOnHost before = previous.hosts.stream().filter(h -> name.equals(h.host)).findFirst().orElse(null);
      return TargetHost.named(name, hosts.get(name), before, service.getSpec().image,
          reverted && before != null ? before.revertedTo : null);
    }).toList();
  }

  private References references(HostService service, Map<String, Host> hosts, List<String> wanted) {
    Set<String> hostSecrets = new TreeSet<>();
    wanted.forEach(h -> hostSecrets.addAll(ServiceReferences.hostPullSecretNames(hosts.get(h))));
    String namespace = service.getMetadata().getNamespace();
    return ServiceReferences.resolve(service, hostSecrets, secrets.in(namespace), configMaps.in(namespace));
  }

  @Override
  public DeleteControl cleanup(HostService service, Context<HostService> context) {
    Map<String, Host> hosts = hostsOf(service, context);
    List<String> names = new ArrayList<>(HostSelection.hostNames(service, hosts.values()));
    if (service.getStatus() != null) {
      service.getStatus().hosts.stream().map(h -> h.host).filter(h -> !names.contains(h)).forEach(names::add);
    }
    ServiceActuator.Cleanup cleanup = actuator.removeEverywhere(service, names, hosts);
    if (!cleanup.failed().isEmpty()) {
      recorder.cleanupPending(service, cleanup.failed());
      return DeleteControl.noFinalizerRemoval().rescheduleAfter(CLEANUP_RETRY);
    }
    if (!cleanup.left().isEmpty()) {
      recorder.leftOnHosts(service, cleanup.left());
    }
    recorder.deleted(service);
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

  private static Boolean reachable(Host h) {
    return h.getStatus() == null ? null : h.getStatus().reachable;
  }

  private static String compose(Host h) {
    return h.getStatus() == null ? null : h.getStatus().composeCommand;
  }
}
