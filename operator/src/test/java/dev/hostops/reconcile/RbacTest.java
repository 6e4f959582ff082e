package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.HostopsOperator;
import dev.hostops.OperatorConfig;
import dev.hostops.api.HostService;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.KubeApi;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.rbac.ClusterRole;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chart's RBAC on a real API server. Cluster-wide it runs the whole operator suite (see
 * OperatorHarness); here: namespaced (a Role per watched namespace) and with one rule missing.
 */
class RbacTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();

  @Test
  void namespacedReleaseRunsItsNamespaceAndLeavesOthersAlone() throws Exception {
    TestHost vm = HOSTS.boot("rb1");
    try (OperatorHarness k8s = new OperatorHarness(KubeApi.start(), Set.of(NS), Duration.ofSeconds(5),
        Duration.ofSeconds(10), -1)) {
      k8s.addHost(vm, "vm1", "root", Map.of());
      k8s.create(k8s.service("web", vm.image("hostops/demo:v1"), "vm1"));
      HostService ready = k8s.awaitReady("web", Duration.ofSeconds(90));
      assertEquals("1/1", ready.getStatus().readyHosts);
      assertTrue(k8s.client.v1().events().inNamespace(NS).list().getItems().stream()
          .anyMatch(e -> "Applied".equals(e.getReason())), "Events recorded under the namespaced Role");

      // the same service in a namespace the release does not watch: never touched
      k8s.api.namespace("other");
      HostService elsewhere = k8s.service("web2", vm.image("hostops/demo:v1"), "vm1");
      elsewhere.getMetadata().setNamespace("other");
      k8s.client.resource(elsewhere).create();
      Thread.sleep(3000);
      assertNull(k8s.client.resources(HostService.class).inNamespace("other").withName("web2").get().getStatus());
      assertEquals("inactive", vm.sh("systemctl is-active web2").stdout().strip());
    }
  }

  @Test
  void aMissingRuleIsReportedByNameAtStart() {
    try (KubeApi api = KubeApi.start()) {
      api.namespace("hostops-system");
      List<HasMetadata> rbac = Chart.rbac("hostops-system");
      for (HasMetadata o : rbac) {
        if (o instanceof ClusterRole role) {
          // the operator reads Secrets (SSH keys, files): take that rule away
          role.getRules().forEach(r -> r.getResources().remove("secrets"));
        }
      }
      api.apply(rbac);
      KubernetesClient sa = api.clientAs("hostops-system", Chart.serviceAccount(rbac));
      HostopsOperator operator = new HostopsOperator(sa, new OperatorConfig(Duration.ofSeconds(5),
          Duration.ofSeconds(5), 2, Set.of()));
      try {
        RuntimeException e = assertThrows(RuntimeException.class, operator::start);
        String message = e.getMessage();
        assertTrue(message.contains("missing permission"), message);
        assertTrue(message.contains("list") && message.contains("secrets"), message);
        assertTrue(message.contains("system:serviceaccount:hostops-system:hostops"), message);
        assertTrue(message.length() < 400, "one readable line: " + message);
      } finally {
        operator.close();
      }
    }
  }
}
