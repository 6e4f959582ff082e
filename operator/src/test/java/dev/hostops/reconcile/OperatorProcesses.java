package dev.hostops.reconcile;

import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.KubeApi;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Operator processes ({@link OperatorProcess}, {@code hostops run} as a pod runs it) of one test class, on one
 * real API server: each started with the kubeconfig of a chart release's ServiceAccount (its RBAC rendered
 * from the chart and applied), all stopped after the class, then the API server. The one way tests start
 * operator processes: register it with {@code @RegisterExtension}.
 */
final class OperatorProcesses implements BeforeAllCallback, AfterAllCallback {
  /** The namespace the releases are installed in. */
  static final String OPERATOR_NS = "hostops-system";
  private final List<OperatorProcess> processes = new ArrayList<>();
  private KubeApi api;

  @Override
  public void beforeAll(ExtensionContext context) {
    api = KubeApi.start();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    processes.forEach(OperatorProcess::close);
    processes.clear();
    if (api != null) {
      api.close();
    }
  }

  KubeApi api() {
    return api;
  }

  /**
   * Installs the RBAC of chart release {@code name} with these values ({@code --set} pairs) in
   * {@link #OPERATOR_NS}; returns the kubeconfig of its ServiceAccount, as the release's pod would have.
   */
  Path release(String name, String... sets) {
    api.namespace(OPERATOR_NS);
    List<HasMetadata> rbac = Chart.rbacOfRelease(name, OPERATOR_NS, sets);
    api.apply(rbac);
    return api.kubeconfigAs(OPERATOR_NS, Chart.serviceAccount(rbac));
  }

  /** Starts {@code hostops run} as {@code name} with the kubeconfig; {@code env} adds to the test defaults. */
  OperatorProcess start(String name, Path kubeconfig, Map<String, String> env) throws IOException {
    OperatorProcess p = OperatorProcess.start(name, kubeconfig, env);
    processes.add(p);
    return p;
  }

  /** The holder of a Lease in {@link #OPERATOR_NS}; null when none holds it. */
  String leaseHolder(String lease) {
    Lease l = api.admin().leases().inNamespace(OPERATOR_NS).withName(lease).get();
    return l == null || l.getSpec() == null ? null : l.getSpec().getHolderIdentity();
  }
}
