package dev.hostops;

import dev.hostops.host.HostSessions;
import dev.hostops.host.ServiceSync;
import dev.hostops.reconcile.EventRecorder;
import dev.hostops.reconcile.HostReconciler;
import dev.hostops.reconcile.HostServiceReconciler;
import dev.hostops.reconcile.HostTargets;
import dev.hostops.reconcile.LogScrapeReconciler;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.javaoperatorsdk.operator.Operator;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/** The operator: both reconcilers on one JOSDK Operator, sharing the SSH connections. */
public final class HostopsOperator implements AutoCloseable {
  private final Operator operator;
  private final HostSessions sessions;
  private final ExecutorService hostWork;

  public HostopsOperator(KubernetesClient client, OperatorConfig config) {
    this.sessions = new HostSessions(config.sshTimeout());
    this.hostWork = Executors.newFixedThreadPool(config.hostThreads(), r -> {
      Thread t = new Thread(r, "hostops-host");
      t.setDaemon(true);
      return t;
    });
    // The fabric8 mock API server has no server-side apply; patching without it works on real
    // clusters too (DESIGN.md).
    this.operator = new Operator(o -> o.withKubernetesClient(client)
        .withUseSSAToPatchPrimaryResource(false)
        .withSSABasedCreateUpdateMatchForDependentResources(false)
        .withCloseClientOnStop(false));
    HostTargets targets = new HostTargets(client);
    EventRecorder events = new EventRecorder(client);
    operator.register(new HostReconciler(targets, sessions, events, config.resync(), config.sshTimeout(),
        config.lokiUrl()), c -> namespaces(c, config));
    operator.register(new LogScrapeReconciler(config.resync()), c -> namespaces(c, config));
    operator.register(new HostServiceReconciler(targets, sessions, new ServiceSync(config.sshTimeout()), events,
        hostWork, config.resync()), c -> namespaces(c, config));
  }

  private static void namespaces(io.javaoperatorsdk.operator.api.config.ControllerConfigurationOverrider<?> c,
                                 OperatorConfig config) {
    if (!config.namespaces().isEmpty()) {
      c.settingNamespaces(config.namespaces());
    }
  }

  public void start() {
    operator.start();
  }

  public HostSessions sessions() {
    return sessions;
  }

  @Override
  public void close() {
    operator.stop();
    hostWork.shutdownNow();
    sessions.close();
  }
}
