package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The audit log on a real host, read as a person reads it on the VM ({@code tail}): one line per apply,
 * adoption and removal, naming the resource, its generation, the operator process and what changed; never
 * a Secret's value; kept under its size bound by hostops; still written after an operator restart.
 */
class AuditLogTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String SECRET_VALUE = "s3cr3t-audit-value";
  private static OperatorHarness k8s;
  private static TestHost vm;

  @BeforeAll
  static void start() throws Exception {
    vm = HOSTS.boot("audit1");
    k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(5));
    k8s.addHost(vm, "vm", "root", Map.of());
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  private static List<String> tail() {
    return vm.shOk("tail -n 50 /var/log/hostops/audit.log 2>/dev/null || true").lines().toList();
  }

  private static String last(String containing) {
    List<String> lines = tail();
    for (int i = lines.size() - 1; i >= 0; i--) {
      if (lines.get(i).contains(containing)) {
        return lines.get(i);
      }
    }
    return null;
  }

  @Test
  void everyChangeIsOneLineAPersonCanRead() {
    k8s.secret("aud-secret", Map.of("token", SECRET_VALUE));
    HostService s = OperatorHarness.service("aud", vm.image("hostops/demo:v1"), "vm");
    ServiceFile f = new ServiceFile();
    f.name = "token";
    f.secretRef = new ValueSource("aud-secret", "token");
    s.getSpec().files = List.of(f);
    k8s.create(s);
    k8s.awaitReady("aud", WAIT);
    String created = last("HostService team/aud (generation 1");
    assertTrue(created != null && created.matches("^20\\d\\d-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ HostService team/aud "
        + "\\(generation 1, image .*/hostops/demo:v1\\) applied by .+ pid \\d+: wrote /etc/systemd/system/aud.service, "
        + "/root/aud/token; enabled aud.service; (re)?started aud.service$"), String.valueOf(tail()));

    k8s.edit("aud", x -> x.getSpec().env = List.of(new EnvVar("MESSAGE", "two")));
    k8s.awaitReady("aud", WAIT);
    String edited = last("HostService team/aud (generation 2");
    assertTrue(edited != null && edited.contains("restarted aud.service"), String.valueOf(tail()));

    // the Secret rotated: the file is rewritten, its value never in the log
    k8s.secret("aud-secret", Map.of("token", SECRET_VALUE + "-2"));
    Await.until(WAIT, () -> tail().stream().filter(l -> l.contains("HostService team/aud (generation 2")).count() >= 2,
        () -> String.valueOf(tail()));

    // after an operator restart, the new process writes the next line
    k8s.restartOperator();
    k8s.edit("aud", x -> x.getSpec().env = List.of(new EnvVar("MESSAGE", "three")));
    k8s.awaitReady("aud", WAIT);
    assertTrue(last("HostService team/aud (generation 3") != null, String.valueOf(tail()));

    // adoption of a hand-written unit
    vm.shOk("printf '[Service]\\nExecStart=/bin/sleep 1000\\n' > /etc/systemd/system/handmade.service"
        + " && systemctl daemon-reload && systemctl start handmade");
    HostService adopt = OperatorHarness.service("handmade", vm.image("hostops/demo:v1"), "vm");
    adopt.getSpec().adopt = true;
    k8s.create(adopt);
    k8s.awaitReady("handmade", WAIT);
    String adopted = last("HostService team/handmade");
    assertTrue(adopted != null && adopted.contains("adopt") && adopted.contains("wrote /etc/systemd/system/handmade.service"),
        String.valueOf(tail()));

    // removal
    k8s.delete("aud");
    Await.until(WAIT, () -> last("HostService team/aud removed by") != null, () -> String.valueOf(tail()));

    String all = vm.shOk("cat /var/log/hostops/audit.log");
    assertFalse(all.contains(SECRET_VALUE), "no Secret value in the audit log");
    assertEquals("640 root", vm.shOk("stat -c '%a %U' /var/log/hostops/audit.log"));
  }

  @Test
  void theLogIsKeptUnderItsSizeBoundByHostops() {
    vm.shOk("mkdir -p /var/log/hostops && head -c 1100000 /dev/zero | tr '\\0' 'x' > /var/log/hostops/audit.log");
    k8s.create(OperatorHarness.service("big", vm.image("hostops/demo:v1"), "vm"));
    k8s.awaitReady("big", WAIT);
    Await.until(WAIT, () -> vm.sh("test -f /var/log/hostops/audit.log.1").ok(), () -> vm.shOk("ls -la /var/log/hostops"));
    assertTrue(Long.parseLong(vm.shOk("wc -c < /var/log/hostops/audit.log")) < 10_000);
    assertTrue(vm.shOk("cat /var/log/hostops/audit.log").contains("HostService team/big (generation 1"), describe(k8s.get("big")));
  }
}
