package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.ssh.ExecResult;
import dev.hostops.testhosts.Kubectl;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** What a user types, with the machine's own kubectl, against the real API server the operator runs on. */
class KubectlTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static OperatorHarness k8s;
  private static Kubectl kubectl;
  private static TestHost vm;

  @BeforeAll
  static void start() throws Exception {
    vm = HOSTS.boot("kc1");
    k8s = new OperatorHarness(Duration.ofSeconds(5), Duration.ofSeconds(10));
    kubectl = new Kubectl(k8s.api.kubeconfig());
    k8s.addHost(vm, "vm1", "root", Map.of("env", "demo"));
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  private static String ok(ExecResult r) {
    assertEquals(0, r.exitCode(), r.stderr());
    return r.stdout();
  }

  @Test
  void applyWaitGetDescribeExplain() {
    ok(kubectl.apply("""
        apiVersion: hostops.dev/v1alpha1
        kind: HostService
        metadata: {name: web, namespace: team}
        spec:
          image: %s
          hostSelector: {matchLabels: {env: demo}}
          env: [{name: MESSAGE, value: hi}]
        """.formatted(vm.image("hostops/demo:v1"))));
    ok(kubectl.run("wait", "-n", "team", "--for=condition=Ready", "hostservices", "--all", "--timeout=120s"));
    ok(kubectl.run("wait", "-n", "team", "--for=condition=Ready", "host/vm1", "--timeout=60s"));

    String services = ok(kubectl.run("get", "-n", "team", "hostservices"));
    String[] lines = services.strip().split("\n");
    assertTrue(lines[0].matches("NAME\\s+IMAGE\\s+HOSTS\\s+READY\\s+REASON\\s+ROLLOUT\\s+AGE"), services);
    assertTrue(lines[1].matches("web\\s+\\S+hostops/demo:v1\\s+1/1\\s+True\\s+Running\\s+(Progressing|Complete)\\s+\\S+"), services);

    String all = ok(kubectl.run("get", "-n", "team", "hostops"));
    assertTrue(all.contains("host.hostops.dev/vm1"), all);
    assertTrue(all.contains("hostservice.hostops.dev/web"), all);
    ok(kubectl.run("get", "-n", "team", "hsvc,vm"));

    String described = ok(kubectl.run("describe", "-n", "team", "hostservice", "web"));
    assertTrue(described.contains("Events:"), described);
    assertTrue(described.matches("(?s).*Normal\\s+Applied\\s+.*on vm1: .*"), described);

    String explained = ok(kubectl.run("explain", "hostservice.spec.files"));
    assertTrue(explained.contains("File name under /root/<service>/ on the host"), explained);
    assertTrue(explained.contains("secretRef"), explained);
    String directories = ok(kubectl.run("explain", "hostservice.spec.directories"));
    assertTrue(directories.contains("Whole Secrets or ConfigMaps as directories under /root/<service>/<name>/"),
        directories);
    assertTrue(directories.contains("Every key of this ConfigMap"), directories);
    String pull = ok(kubectl.run("explain", "hostservice.spec.imagePullSecrets"));
    assertTrue(pull.contains("kubernetes.io/dockerconfigjson"), pull);
    assertTrue(ok(kubectl.run("explain", "host.spec.imagePullSecrets")).contains("Default image pull Secrets"));

    // a spec the server refuses never reaches the operator; one it accepts is applied and waited on
    ExecResult refused = kubectl.run("patch", "-n", "team", "hostservice", "web", "--type=merge", "-p",
        "{\"spec\":{\"ports\":[\"80:80/xyz\"]}}");
    assertTrue(refused.exitCode() != 0 && refused.stderr().contains("spec.ports[0]"), refused.stderr());
    ok(kubectl.run("patch", "-n", "team", "hostservice", "web", "--type=merge", "-p",
        "{\"spec\":{\"env\":[{\"name\":\"MESSAGE\",\"value\":\"patched\"}]}}"));
    ok(kubectl.run("wait", "-n", "team", "--for=condition=Ready", "hostservice/web", "--timeout=120s"));
    ok(kubectl.run("wait", "-n", "team", "--for=jsonpath={.status.observedGeneration}=2", "hostservice/web",
        "--timeout=60s"));
    assertTrue(vm.shOk("cat /etc/systemd/system/web.service").contains("MESSAGE=patched"));

    ok(kubectl.run("delete", "-n", "team", "hostservice", "web", "--timeout=120s"));
    assertEquals("inactive", vm.sh("systemctl is-active web").stdout().strip());
  }
}
