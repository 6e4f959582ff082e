package dev.hostops.chart;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.KubeApi;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code helm install}, {@code upgrade} and {@code uninstall} of the chart into a real API server
 * (Helm itself through helm-java): every object is accepted by the server, the CRDs included. This
 * server has no kubelet, so the Deployment's pod is never scheduled here; InClusterIT installs the chart
 * on a one-node cluster where it runs.
 */
class ChartInstallTest {
  private static final String NS = "hostops-system";
  private static KubeApi api;

  @BeforeAll
  static void start() {
    api = KubeApi.start(false);
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  @Test
  void installsUpgradesAndUninstalls() {
    KubernetesClient k = api.admin();
    Release installed = new Helm(Chart.DIR).install().withName(Chart.RELEASE).withNamespace(NS).createNamespace()
        .withKubeConfig(api.kubeconfig()).set("image.repository", "registry.example.com/hostops").set("image.tag", "0.1.0")
        .call();
    assertEquals("deployed", installed.getStatus());
    for (String crd : new String[] {"hosts.hostops.dev", "hostservices.hostops.dev", "logscrapes.hostops.dev"}) {
      assertNotNull(k.apiextensions().v1().customResourceDefinitions().withName(crd).get(), crd);
    }
    Deployment d = k.apps().deployments().inNamespace(NS).withName(Chart.RELEASE).get();
    assertNotNull(d, "Deployment");
    assertEquals("registry.example.com/hostops:0.1.0", d.getSpec().getTemplate().getSpec().getContainers().get(0).getImage());
    assertNotNull(k.serviceAccounts().inNamespace(NS).withName(Chart.RELEASE).get(), "ServiceAccount");
    assertNotNull(k.rbac().clusterRoles().withName(Chart.RELEASE).get(), "ClusterRole");
    assertNotNull(k.rbac().clusterRoleBindings().withName(Chart.RELEASE).get(), "ClusterRoleBinding");
    assertNotNull(k.services().inNamespace(NS).withName(Chart.RELEASE + "-metrics").get(), "metrics Service");

    // upgrade to watch two namespaces (they must exist: a Role cannot be created in a missing one):
    // the ClusterRole gives way to a Role in each
    api.namespace("team-a");
    api.namespace("team-b");
    Release upgraded = new Helm(Chart.DIR).upgrade().withName(Chart.RELEASE).withNamespace(NS)
        .withKubeConfig(api.kubeconfig()).set("image.repository", "registry.example.com/hostops").set("image.tag", "0.1.1")
        .set("watchNamespaces[0]", "team-a").set("watchNamespaces[1]", "team-b").set("replicaCount", "2")
        .set("leaderElection.enabled", "true").call();
    assertEquals("deployed", upgraded.getStatus());
    assertEquals("2", upgraded.getRevision());
    assertNull(k.rbac().clusterRoles().withName(Chart.RELEASE).get(), "ClusterRole removed on upgrade");
    assertNotNull(k.rbac().roles().inNamespace("team-a").withName(Chart.RELEASE).get(), "Role in team-a");
    assertNotNull(k.rbac().roles().inNamespace("team-b").withName(Chart.RELEASE).get(), "Role in team-b");
    assertNotNull(k.rbac().roles().inNamespace(NS).withName(Chart.RELEASE + "-leader-election").get());
    assertEquals(2, k.apps().deployments().inNamespace(NS).withName(Chart.RELEASE).get().getSpec().getReplicas());

    String out = Helm.uninstall(Chart.RELEASE).withNamespace(NS).withKubeConfig(api.kubeconfig()).call();
    assertTrue(out.contains("uninstalled"), out);
    assertNull(k.apps().deployments().inNamespace(NS).withName(Chart.RELEASE).get(), "Deployment removed");
    assertNull(k.rbac().roles().inNamespace("team-a").withName(Chart.RELEASE).get(), "Role removed");
    // Helm keeps CRDs (and so every Host and HostService) on uninstall, by design
    assertNotNull(k.apiextensions().v1().customResourceDefinitions().withName("hostservices.hostops.dev").get());
  }

  @Test
  void threeReleasesOfDifferentShardsInstallSideBySide() {
    KubernetesClient k = api.admin();
    String ns = "hostops-shards";
    for (String[] release : new String[][] {{"fleet", ""}, {"fleet-a", "a"}, {"fleet-b", "b"}}) {
      var install = new Helm(Chart.DIR).install().withName(release[0]).withNamespace(ns).createNamespace()
          .withKubeConfig(api.kubeconfig()).set("leaderElection.enabled", "true");
      if (!release[1].isEmpty()) {
        install.set("shard", release[1]);
      }
      assertEquals("deployed", install.call().getStatus(), release[0]);
    }
    for (String[] release : new String[][] {{"fleet", "", "hostops-leader"}, {"fleet-a", "a", "hostops-leader-a"},
        {"fleet-b", "b", "hostops-leader-b"}}) {
      String name = release[0] + "-hostops";
      Deployment d = k.apps().deployments().inNamespace(ns).withName(name).get();
      assertNotNull(d, name);
      // the API server stores an empty value as none
      assertEquals(release[1], java.util.Objects.toString(d.getSpec().getTemplate().getSpec().getContainers().get(0)
          .getEnv().stream().filter(e -> "HOSTOPS_SHARD".equals(e.getName())).findFirst().orElseThrow().getValue(), ""),
          name);
      var role = k.rbac().roles().inNamespace(ns).withName(name + "-leader-election").get();
      assertEquals(List.of(release[2]), role.getRules().stream().flatMap(r -> r.getResourceNames().stream()).toList(), name);
    }
  }
}
