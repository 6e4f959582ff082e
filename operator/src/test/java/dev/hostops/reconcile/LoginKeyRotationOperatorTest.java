package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Condition;
import dev.hostops.api.EnvVar;
import dev.hostops.api.Host;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.host.LoginKeyRotation;
import dev.hostops.ssh.LoginKey;
import dev.hostops.testhosts.SshKeys;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A person points a Host at a new key Secret, then rotates that Secret's content in place; the operator
 * rotates the login key on the host (stopped once after adding the new key, as a killed operator would
 * be, and finished by the next reconcile), status says which key is in use and since when, an Event says
 * what happened, and the services go on. With neither key authorized the Host says KeyNotAuthorized.
 */
class LoginKeyRotationOperatorTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static OperatorHarness k8s;
  private static TestHost vm;

  @BeforeAll
  static void start() throws Exception {
    vm = HOSTS.boot("rotop1");
    k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(5));
    k8s.addHost(vm, "vm", "ubuntu", Map.of());
  }

  @AfterAll
  static void stop() {
    LoginKeyRotation.afterStep = step -> { };
    if (k8s != null) {
      k8s.close();
    }
  }

  private static Condition ready(Host h) {
    return h.getStatus().conditions.stream().filter(c -> "Ready".equals(c.type)).findFirst().orElseThrow();
  }

  private static String authorized() {
    return vm.shOk("cat /home/ubuntu/.ssh/authorized_keys");
  }

  @Test
  void aNewKeySecretIsRotatedInAndTheOldKeyRemovedOnlyAfterTheNewOneLoggedIn() throws Exception {
    k8s.create(OperatorHarness.service("rotsvc", vm.image("hostops/demo:v1"), "vm"));
    k8s.awaitReady("rotsvc", WAIT);
    String first = LoginKey.fingerprint(vm.privateKey());
    Await.until(WAIT, () -> k8s.host("vm").getStatus().loginKey.since != null, () -> describe(k8s.host("vm")));
    assertEquals(first, k8s.host("vm").getStatus().loginKey.fingerprint);
    String firstSince = k8s.host("vm").getStatus().loginKey.since;

    // a new Secret; the operator is stopped once right after it added the new public key
    String second = SshKeys.generate();
    k8s.secret("vm-key-2", Map.of("ssh-privatekey", second));
    AtomicBoolean stopped = new AtomicBoolean();
    LoginKeyRotation.afterStep = s -> {
      if (s == 1 && stopped.compareAndSet(false, true)) {
        throw new IllegalStateException("operator stopped after step 1");
      }
    };
    k8s.editHost("vm", h -> h.getSpec().sshKeySecretRef = new SecretKeyRef("vm-key-2", "ssh-privatekey"));
    Await.until(WAIT, () -> LoginKey.fingerprint(second).equals(k8s.host("vm").getStatus().loginKey.fingerprint),
        () -> describe(k8s.host("vm")));
    assertTrue(stopped.get(), "the rotation was stopped once and finished by a later reconcile");
    var status = k8s.host("vm").getStatus().loginKey;
    assertEquals("vm-key-2", status.secretRef.name);
    assertNotEquals(firstSince, status.since);
    assertFalse(authorized().contains(LoginKey.authorizedKey(vm.privateKey()).split(" ")[1]), "the old key is gone");
    assertTrue(authorized().contains(LoginKey.authorizedKey(second).split(" ")[1]));
    Await.until(WAIT, () -> k8s.events("vm", "LoginKeyRotated").stream().anyMatch(m -> m.contains(first + " → "
        + LoginKey.fingerprint(second))), () -> k8s.events("vm", "LoginKeyRotated").toString());
    String audit = vm.shOk("cat /var/log/hostops/audit.log");
    assertTrue(audit.contains("Host team/vm login key by ") && audit.contains(": added " + LoginKey.fingerprint(second)
        + " to ubuntu's authorized_keys (logged in with " + first + ")"), audit);
    assertTrue(audit.contains(": removed " + first + " from ubuntu's authorized_keys after a login with "
        + LoginKey.fingerprint(second)), audit);
    k8s.edit("rotsvc", s -> s.getSpec().env = List.of(new EnvVar("MESSAGE", "after the rotation")));
    k8s.awaitReady("rotsvc", WAIT);

    // the same Secret's content replaced: the old key is only in the connection still open
    String third = SshKeys.generate();
    k8s.secret("vm-key-2", Map.of("ssh-privatekey", third));
    Await.until(WAIT, () -> LoginKey.fingerprint(third).equals(k8s.host("vm").getStatus().loginKey.fingerprint)
        && "True".equals(ready(k8s.host("vm")).status), () -> describe(k8s.host("vm")));
    assertFalse(authorized().contains(LoginKey.authorizedKey(second).split(" ")[1]));
    Await.until(WAIT, () -> k8s.events("vm", "LoginKeyRotated").stream().anyMatch(m -> m.contains(
        LoginKey.fingerprint(second) + " → " + LoginKey.fingerprint(third))), () -> k8s.events("vm", "LoginKeyRotated").toString());

    // neither key: the key in the spec is not authorized and the one before it is gone from its Secret
    vm.shOk("sed -i '/hostops$/d' /home/ubuntu/.ssh/authorized_keys && (pkill -f '^sshd: ubuntu' || true)");
    String fourth = SshKeys.generate();
    k8s.secret("vm-key-2", Map.of("ssh-privatekey", fourth));
    Await.until(WAIT, () -> "KeyNotAuthorized".equals(ready(k8s.host("vm")).reason), () -> describe(k8s.host("vm")));
    String message = ready(k8s.host("vm")).message;
    assertTrue(message.startsWith("neither the login key " + LoginKey.fingerprint(fourth) + " (spec.sshKeySecretRef) nor the one"
        + " before it " + LoginKey.fingerprint(third) + " (no Secret holds it any more"), message);
    assertEquals(LoginKey.fingerprint(third), k8s.host("vm").getStatus().loginKey.fingerprint,
        "status keeps naming the key last in use");
  }
}
