package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Host;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.LoginKey;
import dev.hostops.ssh.SshTarget;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.KubeApi;
import dev.hostops.testhosts.SshKeys;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator process killed (SIGKILL) in the middle of a login-key rotation, once after each step: after
 * the new public key was added, after the login with it was proven, after the old one was removed (before
 * status said so). A new operator process finishes the rotation with whichever key still logs in, and at no
 * moment was neither key authorized.
 */
class LoginKeyRotationKillTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final String NS = "team";
  private static final String OPERATOR_NS = "hostops-system";
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static KubeApi api;
  private static Path kubeconfig;
  private static final List<OperatorProcess> processes = new ArrayList<>();

  @BeforeAll
  static void start() {
    api = KubeApi.start();
    api.namespace(NS);
    api.namespace(OPERATOR_NS);
    List<HasMetadata> rbac = Chart.rbac(OPERATOR_NS);
    api.apply(rbac);
    kubeconfig = api.kubeconfigAs(OPERATOR_NS, Chart.serviceAccount(rbac));
  }

  @AfterAll
  static void stop() {
    processes.forEach(OperatorProcess::close);
    if (api != null) {
      api.close();
    }
  }

  private static OperatorProcess operator(String name, Map<String, String> env) throws Exception {
    Map<String, String> all = new java.util.HashMap<>(Map.of("HOSTOPS_RESYNC_SECONDS", "2",
        "HOSTOPS_SSH_TIMEOUT_SECONDS", "10"));
    all.putAll(env);
    OperatorProcess p = OperatorProcess.start(name, kubeconfig, all);
    processes.add(p);
    return p;
  }

  private static Host host(KubernetesClient k) {
    return k.resources(Host.class).inNamespace(NS).withName("vm").get();
  }

  private static void secret(KubernetesClient k, String name, String key) {
    k.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withType("kubernetes.io/ssh-auth").addToStringData("ssh-privatekey", key).build()).create();
  }

  @Test
  void killedAfterEachStepTheNextProcessFinishesTheRotation() throws Exception {
    TestHost vm = HOSTS.boot("rotkill");
    KubernetesClient k = api.admin();
    vm.register(k, NS, "vm");
    OperatorProcess plain = operator("rk-0", Map.of());
    String key = vm.privateKey();
    Await.until(WAIT, () -> host(k).getStatus() != null && host(k).getStatus().loginKey != null
        && host(k).getStatus().loginKey.since != null, () -> OperatorHarness.describe(host(k)));
    plain.kill();

    for (int step = 1; step <= 3; step++) {
      String next = SshKeys.generate();
      String secretName = "vm-key-" + (step + 1);
      secret(k, secretName, next);
      OperatorProcess paused = operator("rk-" + step, Map.of("JAVA_TOOL_OPTIONS", "-Dhostops.faults.pauseRotationAfterStep=" + step));
      for (int attempt = 1; ; attempt++) { // read anew and retried when the operator wrote the Host meanwhile
        Host h = host(k);
        h.getSpec().sshKeySecretRef = new SecretKeyRef(secretName, "ssh-privatekey");
        try {
          k.resource(h).update();
          break;
        } catch (KubernetesClientException e) {
          if (e.getCode() != 409 || attempt == 5) {
            throw e;
          }
        }
      }
      Path log = Path.of("target", "operator-rk-" + step + ".log");
      String pausedLine = "login key rotation paused after step " + step;
      Await.until(WAIT, () -> {
        try {
          return Files.exists(log) && Files.readString(log).contains(pausedLine);
        } catch (java.io.IOException e) {
          return false;
        }
      }, () -> "not paused; log: " + log);
      paused.kill();
      String old = key;
      boolean oldWorks = logsIn(vm, old);
      boolean newWorks = logsIn(vm, next);
      assertTrue(oldWorks || newWorks, "after a kill at step " + step + " one key still logs in");
      // after step 1 (added) and 2 (proven) both keys log in; after step 3 only the new one
      assertEquals(List.of(step < 3, true), List.of(oldWorks, newWorks), "what a kill after step " + step + " leaves");
      assertEquals(LoginKey.fingerprint(old), host(k).getStatus().loginKey.fingerprint,
          "status still names the old key: the rotation was not finished");

      long restarted = System.nanoTime();
      OperatorProcess again = operator("rk-" + step + "-after", Map.of());
      Await.until(WAIT, () -> LoginKey.fingerprint(next).equals(host(k).getStatus().loginKey.fingerprint)
          && secretName.equals(host(k).getStatus().loginKey.secretRef.name), () -> OperatorHarness.describe(host(k)));
      System.out.printf("login key rotation killed after step %d: a new operator process finished it in %.1f s%n", step,
          (System.nanoTime() - restarted) / 1e9);
      assertFalse(logsIn(vm, old), "the old key is removed");
      assertTrue(logsIn(vm, next));
      again.kill();
      key = next;
    }
  }

  private static boolean logsIn(TestHost vm, String key) throws Exception {
    var target = new SshTarget(vm.address(), vm.port(), "root", key, vm.knownHosts());
    try (var conn = dev.hostops.host.HostConnection.open(target, Duration.ofSeconds(10))) {
      return conn != null;
    } catch (HostUnreachableException e) {
      if (dev.hostops.host.LoginKeyRotation.refused(e)) {
        return false;
      }
      throw e;
    }
  }
}
