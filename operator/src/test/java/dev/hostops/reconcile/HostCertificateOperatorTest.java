package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Condition;
import dev.hostops.api.EnvVar;
import dev.hostops.api.Host;
import dev.hostops.testhosts.HostCa;
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
 * A Host trusted through a host CA, run by the operator against a real API server: a VM rebuilt with a new
 * key and a new certificate from the same CA keeps converging with no edit to its Host; a certificate
 * refused says why in the Host's and the service's status; a key Secret that holds no private key is one
 * message naming the field.
 */
class HostCertificateOperatorTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static OperatorHarness k8s;
  private static TestHost vm;
  private static HostCa ca;

  @BeforeAll
  static void start() throws Exception {
    vm = HOSTS.boot("certop1");
    ca = HostCa.create("fleet");
    vm.presentHostCertificate(ca.sign(vm.hostPublicKey(), "-h", "-n", "127.0.0.1", "-V", "-5m:+1h"));
    k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(5));
    k8s.addHost(vm, "vm", "root", Map.of());
    k8s.editHost("vm", x -> x.getSpec().knownHosts = "# the fleet's host CA: every VM it signs, whatever its key\n"
        + ca.trustLine("*"));
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  private static Condition ready(Host h) {
    return h.getStatus().conditions.stream().filter(c -> "Ready".equals(c.type)).findFirst().orElseThrow();
  }

  private static String ownFingerprint() {
    return vm.shOk("ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2");
  }

  @Test
  void aRebuiltVmReconnectsWithNoChangeToItsHostAndARefusedCertificateSaysWhy() {
    k8s.create(OperatorHarness.service("certsvc", vm.image("hostops/demo:v1"), "vm"));
    k8s.awaitReady("certsvc", WAIT);
    Await.until(WAIT, () -> ownFingerprint().equals(k8s.host("vm").getStatus().hostKeyFingerprint),
        () -> describe(k8s.host("vm")));
    long hostGeneration = k8s.host("vm").getMetadata().getGeneration();
    String oldKey = ownFingerprint();

    // rebuilt from its image: new host keys, a new certificate from the same CA
    vm.regenerateHostKeys();
    vm.presentHostCertificate(ca.sign(vm.hostPublicKey(), "-h", "-n", "127.0.0.1", "-V", "-5m:+1h"));
    assertNotEquals(oldKey, ownFingerprint());
    long edited = System.nanoTime();
    k8s.edit("certsvc", s -> s.getSpec().env = List.of(new EnvVar("MESSAGE", "after the rebuild")));
    k8s.awaitReady("certsvc", WAIT);
    System.out.printf("rebuilt VM (new host key, new certificate from the same CA): an edit Ready in %.1f s, no Host edit%n",
        (System.nanoTime() - edited) / 1e9);
    Await.until(WAIT, () -> ownFingerprint().equals(k8s.host("vm").getStatus().hostKeyFingerprint)
        && "True".equals(ready(k8s.host("vm")).status), () -> describe(k8s.host("vm")));
    assertEquals(hostGeneration, k8s.host("vm").getMetadata().getGeneration(), "the Host was not edited");
    assertTrue(vm.shOk("cat /etc/systemd/system/certsvc.service").contains("after the rebuild"));

    // a certificate that expired: refused before login, said in words in both statuses, nothing written
    vm.presentHostCertificate(ca.sign(vm.hostPublicKey(), "-h", "-n", "127.0.0.1", "-V", "20200101:20200102"));
    vm.sh("pkill -f '^sshd: [a-z]' || true"); // the open connection goes, as on a reboot
    k8s.edit("certsvc", s -> s.getSpec().env = List.of(new EnvVar("MESSAGE", "must not arrive")));
    Await.until(WAIT, () -> "HostCertificateRefused".equals(ready(k8s.host("vm")).reason), () -> describe(k8s.host("vm")));
    String message = ready(k8s.host("vm")).message;
    assertTrue(message.contains("host certificate of 127.0.0.1:" + vm.port()) && message.contains("refused: certificate expired 2020-01-02"),
        message);
    assertFalse(message.contains("KeyExchange") || message.contains("Exception"), message);
    Await.until(WAIT, () -> on(k8s.get("certsvc"), "vm").message.contains("certificate expired 2020-01-02"),
        () -> describe(k8s.get("certsvc")));
    assertFalse(vm.shOk("cat /etc/systemd/system/certsvc.service").contains("must not arrive"));

    // renewed: converges again, still no edit to the Host
    vm.presentHostCertificate(ca.sign(vm.hostPublicKey(), "-h", "-n", "127.0.0.1", "-V", "-5m:+1h"));
    k8s.awaitReady("certsvc", WAIT);
    assertTrue(vm.shOk("cat /etc/systemd/system/certsvc.service").contains("must not arrive"));
    assertEquals(hostGeneration, k8s.host("vm").getMetadata().getGeneration());
  }

  @Test
  void aKeySecretHoldingNoPrivateKeyIsOneMessageNamingTheField() {
    k8s.addHost(vm, "wrongkey", "root", Map.of());
    k8s.secret("wrong-secret", Map.of("ssh-privatekey", "placeholder"));
    k8s.editHost("wrongkey", x -> x.getSpec().sshKeySecretRef = new dev.hostops.api.SecretKeyRef("wrong-secret",
        "ssh-privatekey"));
    String publicKey = vm.shOk("cat /root/.ssh/authorized_keys | head -1");
    for (var c : List.of(
        Map.entry(publicKey, "holds a public key; hostops needs the private key"),
        Map.entry("not a key at all\n", "is not an OpenSSH private key"),
        Map.entry("-----BEGIN OPENSSH PRIVATE KEY-----\nAAAAgarbage\n-----END OPENSSH PRIVATE KEY-----\n",
            "is not a private key hostops can read"))) {
      k8s.secret("wrong-secret", Map.of("ssh-privatekey", c.getKey()));
      String want = "spec.sshKeySecretRef: Secret " + NS + "/wrong-secret key 'ssh-privatekey' " + c.getValue();
      Await.until(WAIT, () -> ready(k8s.host("wrongkey")).message.startsWith(want), () -> describe(k8s.host("wrongkey")));
      Condition r = ready(k8s.host("wrongkey"));
      assertEquals("InvalidSpec", r.reason);
      assertFalse(r.message.contains(c.getKey().strip().split("\n")[0].substring(8)), r.message);
    }
    assertEquals("wrongkey", k8s.host("wrongkey").getMetadata().getName());
  }
}
