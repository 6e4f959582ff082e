package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Condition;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two releases as two operator processes (shard a and the default release, each under its release's
 * RBAC) on one real API server. One real host is declared twice by mistake: Host vm-a labelled for shard
 * a and Host vm-d without the label, same address and key, each with a HostService of its own. Both
 * processes then run jobs there: the host's lock keeps them from interleaving (its jobs log shows each
 * job's start and end), and the Host status names the other process. A second host, only the default
 * release's, is never touched by shard a (round trips per Host from each process's /metrics) until it
 * is relabelled: then it moves to shard a with no restart.
 */
class ShardProcessesTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  @RegisterExtension static final OperatorProcesses OPERATORS = new OperatorProcesses();
  private static final String NS = "team";
  private static final String OPERATOR_NS = OperatorProcesses.OPERATOR_NS;
  private static final int RESYNC_SECONDS = 2;
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static OperatorProcess release(String name, String process, String shard) throws Exception {
    Path kubeconfig = shard.isEmpty() ? OPERATORS.release(name) : OPERATORS.release(name, "shard", shard);
    OperatorProcess p = OPERATORS.start(process, kubeconfig, Map.of("POD_NAMESPACE", OPERATOR_NS,
        "HOSTOPS_RESYNC_SECONDS", String.valueOf(RESYNC_SECONDS), "HOSTOPS_SSH_TIMEOUT_SECONDS", "10",
        "HOSTOPS_SHARD", shard));
    return p;
  }

  /** A Host for the test host, in the shard given (null: the default release's). */
  private static void host(KubernetesClient k, TestHost vm, String name, String shard) {
    k.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(name + "-key").withNamespace(NS)
        .endMetadata().addToStringData("ssh-privatekey", vm.privateKey()).build()).create();
    Host host = new Host();
    host.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS)
        .withLabels(shard == null ? Map.of() : Map.of(Shard.LABEL, shard)).build());
    host.setSpec(new HostSpec());
    host.getSpec().address = vm.address();
    host.getSpec().port = vm.port();
    host.getSpec().sshKeySecretRef = new SecretKeyRef(name + "-key", "ssh-privatekey");
    host.getSpec().knownHosts = vm.knownHosts();
    k.resource(host).create();
  }

  private static void service(KubernetesClient k, TestHost vm, String name, String host, String shard) {
    HostService s = OperatorHarness.service(name, vm.image("hostops/demo:v1"), host);
    if (shard != null) {
      s.getMetadata().setLabels(Map.of(Shard.LABEL, shard));
    }
    k.resource(s).create();
  }

  private static HostService get(KubernetesClient k, String name) {
    return k.resources(HostService.class).inNamespace(NS).withName(name).get();
  }

  private static Host getHost(KubernetesClient k, String name) {
    return k.resources(Host.class).inNamespace(NS).withName(name).get();
  }

  private static Condition conflict(Host h) {
    return h == null || h.getStatus() == null ? null : h.getStatus().conditions.stream()
        .filter(c -> "Conflict".equals(c.type)).findFirst().orElse(null);
  }

  /** Labels an object for a shard as kubectl label does (a merge patch: no conflict with the operator's status writes). */
  private static void relabel(KubernetesClient k, Class<? extends io.fabric8.kubernetes.client.CustomResource<?, ?>> kind,
                              String name, String shard) {
    k.resources(kind).inNamespace(NS).withName(name).patch(io.fabric8.kubernetes.client.dsl.base.PatchContext.of(
        io.fabric8.kubernetes.client.dsl.base.PatchType.JSON_MERGE),
        "{\"metadata\":{\"labels\":{\"" + Shard.LABEL + "\":\"" + shard + "\"}}}");
  }

  @Test
  void twoProcessesOnOneHostNeverInterleaveAndEachStaysInItsShard() throws Exception {
    List<TestHost> booted = HOSTS.boot("sp1", "sp2");
    TestHost shared = booted.get(0);
    TestHost second = booted.get(1);
    OPERATORS.api().namespace(NS);
    OperatorProcess d = release("hostops", "d-1", "");
    OperatorProcess a = release("hostops-a", "a-1", "a");
    String whoD = "d-1:" + d.process().pid();
    String whoA = "a-1:" + a.process().pid();

    KubernetesClient k = OPERATORS.api().admin();
    host(k, shared, "vm-a", "a"); // the same machine twice: a mislabelled setup
    host(k, shared, "vm-d", null);
    host(k, second, "vm-d2", null);
    service(k, shared, "web-a", "vm-a", "a");
    service(k, shared, "web-d", "vm-d", null);
    service(k, second, "web-d2", "vm-d2", null);
    for (String s : List.of("web-a", "web-d", "web-d2")) {
      Await.until(WAIT, () -> OperatorHarness.ready(get(k, s)), () -> OperatorHarness.describe(get(k, s)));
    }
    assertEquals("active", shared.shOk("systemctl is-active web-a"));
    assertEquals("active", shared.shOk("systemctl is-active web-d"));

    // the Host status names the other process, on both sides (each saw the other between two of its own jobs)
    Await.until(WAIT, () -> conflict(getHost(k, "vm-a")) != null && conflict(getHost(k, "vm-d")) != null,
        () -> OperatorHarness.describe(getHost(k, "vm-a")) + OperatorHarness.describe(getHost(k, "vm-d")));
    Condition seenByA = conflict(getHost(k, "vm-a"));
    Condition seenByD = conflict(getHost(k, "vm-d"));
    assertEquals("True", seenByA.status);
    assertEquals("AnotherHostopsProcess", seenByA.reason);
    assertTrue(seenByA.message.matches("another hostops process, " + whoD + ", also runs jobs on this host \\(between jobs"
        + " of this process, " + whoA + ", since 20\\d\\d-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC\\): two releases or shards"
        + " manage it; declare this host once, in one shard"), seenByA.message);
    assertTrue(seenByD.message.startsWith("another hostops process, " + whoA + ", also runs jobs on this host"),
        seenByD.message);
    assertTrue(k.v1().events().inNamespace(NS).list().getItems().stream().anyMatch(e -> "vm-a".equals(
        e.getInvolvedObject().getName()) && "AnotherHostopsProcess".equals(e.getReason()) && "Warning".equals(e.getType())),
        "a Warning Event on vm-a");
    // a conflict that goes on writes nothing new: once vm-a's status counts both services (each Host's next
    // probe after its service was applied), it stays as it is over several resyncs
    Await.until(WAIT, () -> Integer.valueOf(2).equals(getHost(k, "vm-a").getStatus().services),
        () -> OperatorHarness.describe(getHost(k, "vm-a")));
    Thread.sleep(RESYNC_SECONDS * 1000L);
    String version = getHost(k, "vm-a").getMetadata().getResourceVersion();
    Thread.sleep(RESYNC_SECONDS * 3000L);
    assertEquals(version, getHost(k, "vm-a").getMetadata().getResourceVersion(),
        () -> "vm-a's status changed: " + OperatorHarness.describe(getHost(k, "vm-a")));

    // the host's jobs log: jobs of both processes, each one's start followed by its own end
    String log = shared.shOk("cat /run/hostops/lock.log");
    Set<String> who = new TreeSet<>();
    String open = null;
    int jobs = 0;
    for (String line : log.lines().toList()) {
      if (line.startsWith("#")) {
        continue;
      }
      String[] f = line.split(" ");
      if ("start".equals(f[0])) {
        assertEquals(null, open, "a job started before the one before it ended:\n" + log);
        open = f[1] + " " + f[3] + " " + f[4];
        who.add(f[3]);
        jobs++;
      } else {
        assertEquals("end", f[0], line);
        assertEquals(open, f[1] + " " + f[3] + " " + f[4], "an end that is not the last start's:\n" + log);
        open = null;
      }
    }
    assertEquals(Set.of(whoA, whoD), who, log);
    System.out.printf("one host, two processes: %d jobs in its log, none interleaved%n", jobs);

    // each process touches only its shard's Hosts (round trips per Host, from each process's /metrics)
    assertTrue(a.roundTrips(NS + "/vm-a") > 0);
    assertTrue(d.roundTrips(NS + "/vm-d") > 0);
    assertTrue(d.roundTrips(NS + "/vm-d2") > 0);
    assertEquals(0, a.roundTrips(NS + "/vm-d"), "shard a touched the default release's Host");
    assertEquals(0, a.roundTrips(NS + "/vm-d2"), "shard a touched the default release's Host");
    assertEquals(0, d.roundTrips(NS + "/vm-a"), "the default release touched a labelled Host");
    assertFalse(second.sh("test -e /etc/systemd/system/web-a.service").ok());

    // vm-d2 and its service relabelled to shard a: the default release lets go, shard a takes over, nothing restarts
    String started = second.shOk("docker inspect -f '{{.State.StartedAt}}' web-d2");
    String active = second.shOk("systemctl show web-d2 -p ActiveEnterTimestamp -p InvocationID");
    relabel(k, Host.class, "vm-d2", "a");
    relabel(k, HostService.class, "web-d2", "a");
    Await.until(WAIT, () -> a.roundTrips(NS + "/vm-d2") > 0 && OperatorHarness.ready(get(k, "web-d2")),
        () -> OperatorHarness.describe(get(k, "web-d2")));
    Thread.sleep(RESYNC_SECONDS * 2000L); // a reconcile of the default release under way at the relabel may end
    long byD = d.roundTrips(NS + "/vm-d2");
    long byA = a.roundTrips(NS + "/vm-d2");
    Thread.sleep(RESYNC_SECONDS * 3000L);
    assertEquals(byD, d.roundTrips(NS + "/vm-d2"), "the default release still works a Host of shard a");
    assertTrue(a.roundTrips(NS + "/vm-d2") > byA, "shard a does not resync its new Host");
    assertTrue(OperatorHarness.ready(get(k, "web-d2")), () -> OperatorHarness.describe(get(k, "web-d2")));
    assertEquals(started, second.shOk("docker inspect -f '{{.State.StartedAt}}' web-d2"), "the container restarted");
    assertEquals(active, second.shOk("systemctl show web-d2 -p ActiveEnterTimestamp -p InvocationID"), "the unit restarted");
    assertTrue(d.process().isAlive() && a.process().isAlive());
    System.out.printf("operator CPU so far: d-1 %.1f s, a-1 %.1f s%n", d.cpuTime().toMillis() / 1e3,
        a.cpuTime().toMillis() / 1e3);
  }
}
