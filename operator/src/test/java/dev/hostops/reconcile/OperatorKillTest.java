package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.PreStartStep;
import dev.hostops.api.ServiceFile;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator process killed (SIGKILL, as the kubelet does when a pod is evicted or OOM-killed)
 * while an apply carrying a 240 KB file runs on a real host, then a new process started, as a
 * rescheduled pod would be: every file is wholly old or wholly new, no temp file is left, the
 * script that had arrived ran to its end, there is one container, and the new operator reports Ready.
 */
class OperatorKillTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  @RegisterExtension static final OperatorProcesses OPERATORS = new OperatorProcesses();
  private static final String NS = "team";
  private static final String OPERATOR_NS = OperatorProcesses.OPERATOR_NS;
  private static final String NAME = "bulky";
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static OperatorProcess operator(Path kubeconfig, String name) throws Exception {
    OperatorProcess p = OPERATORS.start(name, kubeconfig, Map.of("HOSTOPS_RESYNC_SECONDS", "2",
        "HOSTOPS_SSH_TIMEOUT_SECONDS", "30"));
    return p;
  }

  private static String text(long seed) {
    Random random = new Random(seed);
    StringBuilder s = new StringBuilder();
    while (s.length() < 240_000) {
      s.append(Long.toString(random.nextLong(), 36)).append(s.length() % 100 < 12 ? '\n' : ' ');
    }
    return s.toString();
  }

  private static String sha(String content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void killedMidApplyAndRestartedLeavesEachFileWholeAndConverges() throws Exception {
    TestHost vm = HOSTS.boot("kill");
    vm.shOk("docker pull -q " + vm.image("hostops/busybox:latest"));
    OPERATORS.api().namespace(NS);
    Path kubeconfig = OPERATORS.release(Chart.RELEASE);
    OperatorProcess first = operator(kubeconfig, "op-1");

    KubernetesClient k = OPERATORS.api().admin();
    vm.register(k, NS, "vm");

    String v1 = text(1);
    String v2 = text(2);
    HostService svc = OperatorHarness.service(NAME, vm.image("hostops/busybox:latest"), "vm");
    svc.getSpec().pull = "Never";
    svc.getSpec().args = List.of("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
    ServiceFile big = new ServiceFile();
    big.name = "data.txt";
    big.mountPath = "/data.txt";
    big.content = v1;
    svc.getSpec().files = List.of(big);
    // a migration-like step before each start keeps the apply busy (it waits for the service to settle)
    PreStartStep slow = new PreStartStep();
    slow.args = List.of("sleep", "5");
    svc.getSpec().preStart = List.of(slow);
    k.resource(svc).create();
    Await.until(WAIT, () -> OperatorHarness.ready(get(k)), () -> OperatorHarness.describe(get(k)));
    String unitV1 = vm.shOk("sha256sum < /etc/systemd/system/" + NAME + ".service | cut -c1-64");

    for (int attempt = 1; ; attempt++) {
      HostService edit = get(k);
      edit.getSpec().files.get(0).content = v2;
      edit.getSpec().env = List.of(new EnvVar("V", "2"));
      try {
        k.resource(edit).update();
        break;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e; // 409: a status write came in between
        }
      }
    }
    Await.until(Duration.ofSeconds(30), () -> vm.sh("pgrep -f '^sh /var/lib/hostops/program/[0-9a-f]+[.]sh [a-z]+ /run/hostops/manifest[.]'").ok(),
        () -> "no apply seen running");
    first.kill();
    long killed = System.nanoTime();

    // the script had arrived whole and been checked: it runs to its end without the operator (bounded)
    Await.until(Duration.ofSeconds(40), () -> !vm.sh("pgrep -f '^sh /var/lib/hostops/program/[0-9a-f]+[.]sh [a-z]+ /run/hostops/manifest[.]'").ok(),
        () -> vm.sh("ps -ef").stdout());
    String data = vm.shOk("sha256sum < /root/" + NAME + "/data.txt | cut -c1-64");
    String unit = vm.shOk("sha256sum < /etc/systemd/system/" + NAME + ".service | cut -c1-64");
    assertTrue(data.equals(sha(v1)) || data.equals(sha(v2)), "data.txt is neither old nor new");
    assertTrue(unit.equals(unitV1) || vm.shOk("cat /etc/systemd/system/" + NAME + ".service").contains("V=2"),
        "unit is neither old nor new");
    String before = (data.equals(sha(v2)) ? "new" : "old") + " data, " + (unit.equals(unitV1) ? "old" : "new") + " unit";
    assertEquals("", temps(vm), "no temp file left");

    OperatorProcess second = operator(kubeconfig, "op-2");
    long restarted = System.nanoTime();
    Await.until(WAIT, () -> OperatorHarness.ready(get(k)) && "Running".equals(OperatorHarness.on(get(k), "vm").state),
        () -> OperatorHarness.describe(get(k)));
    double converged = (System.nanoTime() - restarted) / 1e9;
    assertTrue(second.process().isAlive());
    assertEquals(sha(v2), vm.shOk("sha256sum < /root/" + NAME + "/data.txt | cut -c1-64"));
    assertTrue(vm.shOk("docker inspect -f '{{json .Config.Env}}' " + NAME).contains("V=2"));
    assertEquals("1", vm.shOk("docker ps -q --filter name=^" + NAME + "$ | wc -l"), "one container");
    assertEquals("0", vm.shOk("docker ps -aq --filter name=" + NAME + "-prestart | wc -l"), "no pre-start container left");
    assertEquals("active", vm.shOk("systemctl is-active " + NAME));
    // the new operator probes every resync, and a probe's files exist while it runs: a leak is one that stays
    Await.until(Duration.ofSeconds(10), () -> temps(vm).isEmpty(), () -> "temp files left: " + temps(vm));
    System.out.printf("operator killed mid-apply: once the script had run to its end (%.1f s after the kill) the host"
        + " had %s; new operator started -> Ready %.1f s%n", (restarted - killed) / 1e9, before, converged);
  }

  private static String temps(TestHost vm) {
    return vm.shOk("find /etc/systemd/system /root/" + NAME + " /run/hostops -maxdepth 1 \\( -name '.hostops.*' -o "
        + "-path '/run/hostops/*' ! -name 'lock*' \\) 2>/dev/null | sort"); // the host's lock stays
  }

  private static HostService get(KubernetesClient k) {
    return k.resources(HostService.class).inNamespace(NS).withName(NAME).get();
  }
}
