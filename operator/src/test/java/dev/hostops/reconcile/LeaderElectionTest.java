package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two operator processes (as two replicas of the chart's Deployment would be) against one real API
 * server, with the chart's leader-election RBAC: only the Lease holder touches hosts; when it is
 * killed (SIGKILL, no chance to release the Lease) the other takes over, and nothing is applied twice.
 */
class LeaderElectionTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  @RegisterExtension static final OperatorProcesses OPERATORS = new OperatorProcesses();
  private static final String NS = "team";
  private static final String OPERATOR_NS = OperatorProcesses.OPERATOR_NS;
  private static final int RESYNC_SECONDS = 3;
  /** JOSDK's default lease duration. */
  private static final Duration LEASE = Duration.ofSeconds(15);
  private static OperatorProcess replica(String name, Path kubeconfig) throws IOException {
    OperatorProcess p = OPERATORS.start(name, kubeconfig, Map.of("HOSTOPS_LEADER_ELECTION", "true",
        "POD_NAMESPACE", OPERATOR_NS, "HOSTOPS_RESYNC_SECONDS", String.valueOf(RESYNC_SECONDS),
        "HOSTOPS_SSH_TIMEOUT_SECONDS", "10"));
    return p;
  }

  @Test
  void onlyTheLeaseHolderTouchesHostsAndTheOtherTakesOverWithoutReapplying() throws Exception {
    TestHost vm = HOSTS.boot("le1");
    OPERATORS.api().namespace(NS);
    Path kubeconfig = OPERATORS.release(Chart.RELEASE, "leaderElection.enabled", "true");

    OperatorProcess a = replica("op-a", kubeconfig);
    Await.until(Duration.ofSeconds(60), () -> "op-a".equals(OPERATORS.leaseHolder("hostops-leader")), () -> "lease holder: " + OPERATORS.leaseHolder("hostops-leader"));
    OperatorProcess b = replica("op-b", kubeconfig);
    Await.until(Duration.ofSeconds(60), () -> b.roundTrips() == 0, () -> "op-b's metrics do not answer");

    KubernetesClient k = OPERATORS.api().admin();
    vm.register(k, NS, "vm1");
    k.resource(OperatorHarness.service("web", vm.image("hostops/demo:v1"), "vm1")).create();
    Await.until(Duration.ofSeconds(120), () -> OperatorHarness.ready(get(k)), () -> OperatorHarness.describe(get(k)));

    // a few resyncs: the leader probes, the standby never connects
    Thread.sleep(RESYNC_SECONDS * 2000L);
    assertTrue(a.roundTrips() > 0, "the leader works the host");
    assertEquals(0, b.roundTrips(), "the standby touched the host");
    String unit = vm.shOk("stat -c %i.%Y.%Z /etc/systemd/system/web.service");
    String started = vm.shOk("docker inspect -f '{{.State.StartedAt}}' web");

    long killed = System.nanoTime();
    a.kill();
    Await.until(LEASE.plusSeconds(30), () -> "op-b".equals(OPERATORS.leaseHolder("hostops-leader")), () -> "lease holder: " + OPERATORS.leaseHolder("hostops-leader"));
    double leaseTaken = (System.nanoTime() - killed) / 1e9;
    Await.until(LEASE.plusSeconds(30), () -> b.roundTrips() > 0, () -> "op-b has not probed the host");
    double working = (System.nanoTime() - killed) / 1e9;
    System.out.printf("leader killed: lease taken over after %.1f s, new leader probing the host after %.1f s "
        + "(lease %d s, resync %d s)%n", leaseTaken, working, LEASE.toSeconds(), RESYNC_SECONDS);
    assertTrue(working <= LEASE.toSeconds() + RESYNC_SECONDS + 5, "takeover took " + working + " s");

    Thread.sleep(RESYNC_SECONDS * 2000L);
    assertEquals(unit, vm.shOk("stat -c %i.%Y.%Z /etc/systemd/system/web.service"), "unit rewritten by the new leader");
    assertEquals(started, vm.shOk("docker inspect -f '{{.State.StartedAt}}' web"), "restarted by the new leader");
    assertTrue(OperatorHarness.ready(get(k)));

    // and the new leader does the work from here on
    HostService edit = get(k);
    edit.getSpec().env = List.of(new EnvVar("MESSAGE", "from op-b"));
    k.resource(edit).update();
    Await.until(Duration.ofSeconds(120), () -> OperatorHarness.ready(get(k))
        && vm.shOk("cat /etc/systemd/system/web.service").contains("MESSAGE=from op-b"), () -> OperatorHarness.describe(get(k)));
  }

  private static HostService get(KubernetesClient k) {
    return k.resources(HostService.class).inNamespace(NS).withName("web").get();
  }
}
