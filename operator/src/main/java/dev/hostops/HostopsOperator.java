package dev.hostops;

import dev.hostops.host.HostSessions;
import dev.hostops.host.ServiceSync;
import dev.hostops.reconcile.EventRecorder;
import dev.hostops.reconcile.HostReconciler;
import dev.hostops.reconcile.HostServiceReconciler;
import dev.hostops.reconcile.HostTargets;
import dev.hostops.reconcile.LogScrapeReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import dev.hostops.metrics.OperatorMetrics;
import io.javaoperatorsdk.operator.Operator;
import io.javaoperatorsdk.operator.api.config.LeaderElectionConfiguration;
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
    // The fabric8 mock API server has no server-side apply; patching without it works on real
    // clusters too (DESIGN.md).
    this.operator = new Operator(o -> {
      o.withKubernetesClient(client)
          .withUseSSAToPatchPrimaryResource(false)
          .withSSABasedCreateUpdateMatchForDependentResources(false)
          .withCloseClientOnStop(false)
          .withMetrics(metrics);
      if (config.leaseNamespace() != null) {
        // two replicas are safe: only the lease holder reconciles; JOSDK exits when it loses the lease
        o.withLeaderElectionConfiguration(new LeaderElectionConfiguration("hostops-leader", config.leaseNamespace()));
      }
    });
    HostTargets targets = new HostTargets(client);
    ServiceSync sync = new ServiceSync(config.sshTimeout());
    dev.hostops.host.ProbeCache probes = new dev.hostops.host.ProbeCache();
    EventRecorder events = new EventRecorder(client);
    operator.register(new HostReconciler(targets, sessions, events, config.resync(), config.sshTimeout(),
        config.lokiUrl(), metrics, sync, probes), c -> namespaces(c, config));
    operator.register(new LogScrapeReconciler(config.resync(), events), c -> namespaces(c, config));
    operator.register(new HostServiceReconciler(targets, sessions, sync, events, hostWork, config.resync(), metrics,
        probes), c -> namespaces(c, config));
  }

  private static void namespaces(io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<?> c,
                                 OperatorConfig config) {
    if (!config.namespaces().isEmpty()) {
      c.settingNamespaces(config.namespaces());
    }
  }

  /** Starts the metrics endpoint (when configured) and the operator; returns the metrics port or -1. */
  public int start() {
    int port = -1;
    if (config.metricsPort() >= 0) {
      try {
        port = metrics.serve(config.metricsPort(), () -> operator.getRuntimeInfo().isStarted()
            && operator.getRuntimeInfo().allEventSourcesAreHealthy());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException("cannot serve metrics on port " + config.metricsPort(), e);
      }
    }
    operator.start();
    return port;
  }

  @Override
  public void close() {
    metrics.stop();
    operator.stop();
    hostWork.shutdownNow();
    sessions.close();
  }
}
