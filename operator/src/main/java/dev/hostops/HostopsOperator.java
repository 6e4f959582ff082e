package dev.hostops;

import dev.hostops.host.HostSessions;
import dev.hostops.host.ProbeCache;
import dev.hostops.host.ServiceSync;
import dev.hostops.metrics.OperatorMetrics;
import dev.hostops.reconcile.EventRecorder;
import dev.hostops.reconcile.HostReconciler;
import dev.hostops.reconcile.HostServiceReconciler;
import dev.hostops.reconcile.HostTargets;
import dev.hostops.reconcile.LogScrapeReconciler;
import dev.hostops.reconcile.ResourceJson;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The operator: both reconcilers on one JOSDK Operator, sharing the SSH connections. */
public final class HostopsOperator implements AutoCloseable {
  private final Operator operator;
  private final HostSessions sessions;
  private final ExecutorService hostWork;

  private final OperatorMetrics metrics = new OperatorMetrics();
  private final OperatorConfig config;

  public HostopsOperator(KubernetesClient client, OperatorConfig config) {
    this.config = config;
    this.sessions = new HostSessions(config.sshTimeout(), metrics::roundTrip);
    this.hostWork = Executors.newFixedThreadPool(config.hostThreads(), r -> {
      Thread t = new Thread(r, "hostops-host");
      t.setDaemon(true);
      return t;
    });
    this.operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withCloseClientOnStop(false)
          .withMetrics(metrics)
          // the copy each reconcile gets is read from JSON written once per resource version
          .withResourceCloner(ResourceJson.INSTANCE);
      if (config.leaseNamespace() != null) {
        // two replicas are safe: only the lease holder reconciles; JOSDK exits when it loses the lease
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration(config.shard().leaseName(),
            config.leaseNamespace()));
      }
    });
    HostTargets targets = new HostTargets(client);
    ServiceSync sync = new ServiceSync(config.sshTimeout());
    ProbeCache probes = new ProbeCache();
    EventRecorder events = new EventRecorder(client);
    operator.register(new HostReconciler(targets, sessions, events, config.resync(), config.sshTimeout(),
        config.lokiUrl(), metrics, sync, probes, config.shard()), c -> namespaces(c, config));
    operator.register(new LogScrapeReconciler(config.resync(), events, config.shard()), c -> namespaces(c, config));
    operator.register(new HostServiceReconciler(targets, sessions, sync, events, hostWork, config.resync(), metrics,
        probes, config.shard()), c -> namespaces(c, config));
  }

  private static void namespaces(ControllerConfigurationOverrider<?> c,
                                 OperatorConfig config) {
    if (!config.namespaces().isEmpty()) {
      c.settingNamespaces(config.namespaces());
    }
    // the API server sends this release only its shard's objects (the secondary informers select the same)
    c.withLabelSelector(config.shard().selector());
  }

  /** Starts the metrics endpoint (when configured) and the operator; returns the metrics port or -1. */
  public int start() {
    int port = -1;
    if (config.metricsPort() >= 0) {
      try {
        port = metrics.serve(config.metricsPort(), () -> operator.getRuntimeInfo().isStarted()
            && operator.getRuntimeInfo().allEventSourcesAreHealthy());
      } catch (IOException e) {
        throw new UncheckedIOException("cannot serve metrics on port " + config.metricsPort(), e);
      }
    }
    try {
      operator.start();
    } catch (RuntimeException e) {
      String forbidden = forbidden(e);
      if (forbidden != null) {
        throw new MissingPermissionException("missing permission: " + forbidden
            + " (the Helm chart's RBAC grants what hostops needs; was a rule removed, or watchNamespaces changed?)", e);
      }
      throw e;
    }
    return port;
  }

  /** An RBAC refusal anywhere in the cause chain, as the API server worded it; null if none. */
  static String forbidden(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof KubernetesClientException k && k.getCode() == 403) {
        return k.getStatus() != null && k.getStatus().getMessage() != null ? k.getStatus().getMessage() : k.getMessage();
      }
    }
    return null;
  }

  /** The operator's ServiceAccount lacks a permission hostops needs; the message names it. */
  public static final class MissingPermissionException extends RuntimeException {
    MissingPermissionException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  @Override
  public void close() {
    metrics.stop();
    operator.stop();
    hostWork.shutdownNow();
    sessions.close();
  }
}
