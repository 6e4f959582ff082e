package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Releases as processes, each under its own release's RBAC (the chart rendered twice): two replicas of
 * shard a share the Lease hostops-leader-a, so only one of them acts; the default release holds its own
 * Lease and never reaches shard a's host (SSH round trips counted from each process's /metrics).
 */
class ShardLeaseTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  @RegisterExtension static final OperatorProcesses OPERATORS = new OperatorProcesses();
  private static final String NS = "team";
  private static final String OPERATOR_NS = OperatorProcesses.OPERATOR_NS;
  private static final int RESYNC_SECONDS = 3;
  private static OperatorProcess replica(String name, Path kubeconfig, String shard) throws IOException {
    OperatorProcess p = OPERATORS.start(name, kubeconfig, Map.of("HOSTOPS_LEADER_ELECTION", "true",
        "POD_NAMESPACE", OPERATOR_NS, "HOSTOPS_RESYNC_SECONDS", String.valueOf(RESYNC_SECONDS),
        "HOSTOPS_SSH_TIMEOUT_SECONDS", "10", "HOSTOPS_SHARD", shard));
    return p;
  }

  @Test
  void replicasOfAShardShareItsLeaseAndTheDefaultReleaseLeavesItsHostAlone() throws Exception {
    TestHost vm = HOSTS.boot("sl1");
    OPERATORS.api().namespace(NS);
    Path defaultRelease = OPERATORS.release("hostops", "leaderElection.enabled", "true");
    Path shardA = OPERATORS.release("hostops-a", "leaderElection.enabled", "true", "shard", "a");

    OperatorProcess d1 = replica("d-1", defaultRelease, "");
    OperatorProcess a1 = replica("a-1", shardA, "a");
    OperatorProcess a2 = replica("a-2", shardA, "a");
    Await.until(Duration.ofSeconds(90), () -> "d-1".equals(OPERATORS.leaseHolder("hostops-leader"))
        && OPERATORS.leaseHolder("hostops-leader-a") != null, () -> "leases: " + OPERATORS.leaseHolder("hostops-leader") + ", " + OPERATORS.leaseHolder("hostops-leader-a"));
    Await.until(Duration.ofSeconds(60), () -> a1.roundTrips() >= 0 && a2.roundTrips() >= 0 && d1.roundTrips() >= 0,
        () -> "metrics do not answer");

    KubernetesClient k = OPERATORS.api().admin();
    k.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName("vm-a-key").withNamespace(NS)
        .endMetadata().addToStringData("ssh-privatekey", vm.privateKey()).build()).create();
    Host host = new Host();
    host.setMetadata(new ObjectMetaBuilder().withName("vm-a").withNamespace(NS).withLabels(Map.of(Shard.LABEL, "a"))
        .build());
    host.setSpec(new HostSpec());
    host.getSpec().address = vm.address();
    host.getSpec().port = vm.port();
    host.getSpec().sshKeySecretRef = new SecretKeyRef("vm-a-key", "ssh-privatekey");
    host.getSpec().knownHosts = vm.knownHosts();
    k.resource(host).create();
    HostService web = OperatorHarness.service("web", vm.image("hostops/demo:v1"), "vm-a");
    web.getMetadata().setLabels(Map.of(Shard.LABEL, "a"));
    k.resource(web).create();
    Await.until(Duration.ofSeconds(120), () -> OperatorHarness.ready(get(k)), () -> OperatorHarness.describe(get(k)));

    Thread.sleep(RESYNC_SECONDS * 2000L);
    String leader = OPERATORS.leaseHolder("hostops-leader-a");
    OperatorProcess working = "a-1".equals(leader) ? a1 : a2;
    OperatorProcess standby = working == a1 ? a2 : a1;
    assertTrue(working.roundTrips() > 0, "the leader of shard a works its host");
    assertEquals(0, standby.roundTrips(), "the standby of shard a touched the host");
    assertEquals(0, d1.roundTrips(), "the default release touched shard a's host");
    assertEquals("d-1", OPERATORS.leaseHolder("hostops-leader"));
    assertNotEquals(OPERATORS.leaseHolder("hostops-leader"), OPERATORS.leaseHolder("hostops-leader-a"));
  }

  private static HostService get(KubernetesClient k) {
    return k.resources(HostService.class).inNamespace(NS).withName("web").get();
  }
}
