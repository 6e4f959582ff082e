package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.HostopsOperator;
import dev.hostops.OperatorConfig;
import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.NetworkLink;
import dev.hostops.testhosts.KubeApi;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Kubernetes API unavailable for a while (every connection from the operator to the API server
 * refused and cut, through a proxy; the server itself keeps serving the administrator): the operator
 * keeps its hosts as they should be from what it last saw, and catches up with what changed meanwhile
 * once the API is back.
 */
class ApiOutageTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final String NS = "team";
  private static final String OPERATOR_NS = "hostops-system";
  private static final Duration OUTAGE = Duration.ofSeconds(20);

  @Test
  void hostsAreKeptDuringAnOutageAndChangesMadeMeanwhileAreAppliedAfter() throws Exception {
    TestHost vm = HOSTS.boot("ao1");
    try (KubeApi api = KubeApi.start(); NetworkLink link = NetworkLink.to("api", "127.0.0.1:" + api.port())) {
      api.namespace(NS);
      api.namespace(OPERATOR_NS);
      List<HasMetadata> rbac = Chart.rbac(OPERATOR_NS);
      api.apply(rbac);
      KubernetesClient sa = api.clientAs(OPERATOR_NS, Chart.serviceAccount(rbac), "https://127.0.0.1:" + link.port());
      HostopsOperator operator = new HostopsOperator(sa, new OperatorConfig(Duration.ofSeconds(2), Duration.ofSeconds(10),
          4, Set.of(), OperatorHarness.LOKI_URL, -1, null));
      try {
        operator.start();
        KubernetesClient k = api.admin();
        vm.register(k, NS, "vm1");
        k.resource(OperatorHarness.service("web", vm.image("hostops/demo:v1"), "vm1")).create();
        Await.until(Duration.ofSeconds(90), () -> OperatorHarness.ready(get(k)), () -> OperatorHarness.describe(get(k)));

        // the API goes away for the operator
        link.cutNow();
        long down = System.nanoTime();
        // drift made by hand meanwhile is still put back: the operator works from its caches
        vm.shOk("systemctl stop web");
        Await.until(Duration.ofSeconds(30), () -> "active".equals(vm.sh("systemctl is-active web").stdout().strip()),
            () -> "web not restarted during the outage");
        System.out.printf("API down: drift on the host corrected %.1f s into the outage%n", (System.nanoTime() - down) / 1e9);
        // a change the operator cannot see yet
        HostService edit = get(k);
        edit.getSpec().env = List.of(new EnvVar("MESSAGE", "changed during the outage"));
        k.resource(edit).update();
        long left = OUTAGE.toNanos() - (System.nanoTime() - down);
        Thread.sleep(Math.max(0, left / 1_000_000));
        assertTrue(!vm.shOk("cat /etc/systemd/system/web.service").contains("changed during the outage"),
            "the operator saw the change through a cut link?");

        link.whole();
        long up = System.nanoTime();
        Await.until(Duration.ofSeconds(90), () -> OperatorHarness.ready(get(k))
                && vm.shOk("cat /etc/systemd/system/web.service").contains("changed during the outage"),
            () -> OperatorHarness.describe(get(k)));
        System.out.printf("API back after %d s: converged %.1f s later (the change applied, status for generation %d)%n",
            OUTAGE.toSeconds(), (System.nanoTime() - up) / 1e9, get(k).getMetadata().getGeneration());
        assertEquals(get(k).getMetadata().getGeneration(), get(k).getStatus().observedGeneration);
        assertEquals("active", vm.sh("systemctl is-active web").stdout().strip());
      } finally {
        operator.close();
      }
    }
  }

  private static HostService get(KubernetesClient k) {
    return k.resources(HostService.class).inNamespace(NS).withName("web").get();
  }
}
