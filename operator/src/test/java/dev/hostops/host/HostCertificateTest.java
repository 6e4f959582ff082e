package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.ssh.HostKeyMismatchException;
import dev.hostops.ssh.SshTarget;
import dev.hostops.testhosts.HostCa;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * OpenSSH host certificates on a real sshd ({@code HostCertificate}, made by ssh-keygen with a CA of the
 * test's own): trusted through an {@code @cert-authority} line, checked as OpenSSH checks them, each
 * refusal made before authentication (sshd logs no accepted login) and said in words.
 */
class HostCertificateTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static TestHost host;
  private static HostCa ca;
  private static HostCa otherCa;

  @BeforeAll
  static void boot() {
    host = HOSTS.boot("cert1");
    ca = HostCa.create("fleet");
    otherCa = HostCa.create("other");
  }

  @AfterEach
  void plainKeyAgain() {
    host.presentHostCertificate(null);
  }

  /** root on the test host, trusting nothing but the given known_hosts lines. */
  private static SshTarget trusting(String address, String knownHosts) {
    return new SshTarget(address, host.port(), "root", host.privateKey(), knownHosts);
  }

  private static SshTarget trustingCa() {
    return trusting("127.0.0.1", ca.trustLine("*"));
  }

  private static String hostCertificate(String... options) {
    return ca.sign(host.hostPublicKey(), options);
  }

  private static int acceptedLogins() {
    return Integer.parseInt(host.shOk("journalctl -u ssh --no-pager -q | grep -c 'Accepted publickey' || true"));
  }

  /** Connecting is refused before authentication, with {@code reason} and a message containing {@code words}. */
  private static String refused(SshTarget target, String reason, String words) {
    int before = acceptedLogins();
    HostKeyMismatchException e = assertThrows(HostKeyMismatchException.class, () -> HostConnection.open(target, TIMEOUT).close());
    assertEquals(reason, e.reason(), e.getMessage());
    assertTrue(e.getMessage().contains(words), e.getMessage());
    assertEquals(before, acceptedLogins(), "no login was made: the refusal came before authentication");
    return e.getMessage();
  }

  private static String ownFingerprint() {
    return host.shOk("ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2");
  }

  @Test
  void aCertificateFromATrustedCaConnectsWithNoPinnedKey() throws Exception {
    host.presentHostCertificate(hostCertificate("-h", "-n", "127.0.0.1,vm1.example.com", "-V", "-5m:+1h"));
    try (HostConnection c = HostConnection.open(trustingCa(), TIMEOUT)) {
      assertEquals("ok", c.run("echo ok\n", TIMEOUT).stdout().strip());
      assertEquals(ownFingerprint(), c.hostKeyFingerprint());
    }
    // the same CA trusted for a pattern that matches [127.0.0.1]:PORT
    SshTarget byPort = trusting("127.0.0.1", ca.trustLine("[127.0.0.1]:" + host.port()));
    HostConnection.open(byPort, TIMEOUT).close();
  }

  @Test
  void aRebuiltVmWithANewKeyAndACertificateFromTheSameCaReconnectsUnchanged() throws Exception {
    SshTarget target = trustingCa();
    host.presentHostCertificate(hostCertificate("-h", "-n", "127.0.0.1", "-V", "-5m:+1h"));
    String before;
    try (HostConnection c = HostConnection.open(target, TIMEOUT)) {
      before = c.hostKeyFingerprint();
    }
    host.regenerateHostKeys(); // a VM rebuilt from its image: new host keys
    host.presentHostCertificate(hostCertificate("-h", "-n", "127.0.0.1", "-V", "-5m:+1h"));
    try (HostConnection c = HostConnection.open(target, TIMEOUT)) {
      assertNotEquals(before, c.hostKeyFingerprint());
      assertEquals(ownFingerprint(), c.hostKeyFingerprint());
    }
    // a key pinned plainly would have been refused: that is what the certificate saves
    refused(trusting("127.0.0.1", "[127.0.0.1]:" + host.port() + " ssh-ed25519 " + otherCa.publicKey().split(" ")[1]),
        "HostKeyMismatch", "is not among the pinned knownHosts");
  }

  @Test
  void anExpiredCertificateIsRefused() {
    host.presentHostCertificate(hostCertificate("-h", "-n", "127.0.0.1", "-V", "20200101:20200102"));
    refused(trustingCa(), "HostCertificateRefused", "certificate expired 2020-01-02");
  }

  @Test
  void aCertificateNotYetValidIsRefused() {
    host.presentHostCertificate(hostCertificate("-h", "-n", "127.0.0.1", "-V", "+1d:+2d"));
    String tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1).format(DateTimeFormatter.ISO_LOCAL_DATE);
    refused(trustingCa(), "HostCertificateRefused", "certificate not valid before " + tomorrow);
  }

  @Test
  void theConnectingNameMustBeAPrincipal() throws Exception {
    host.presentHostCertificate(hostCertificate("-h", "-n", "localhost", "-V", "-5m:+1h"));
    refused(trustingCa(), "HostCertificateRefused", "principal 127.0.0.1 not in the certificate (it names localhost)");
    // the same host reached by a name the certificate names
    HostConnection.open(trusting("localhost", ca.trustLine("*")), TIMEOUT).close();
  }

  @Test
  void aCertificateWithNoPrincipalIsRefused() {
    host.presentHostCertificate(hostCertificate("-h", "-V", "-5m:+1h"));
    refused(trustingCa(), "HostCertificateRefused", "it names no principal");
  }

  @Test
  void aCertificateFromAnotherCaIsRefused() {
    host.presentHostCertificate(otherCa.sign(host.hostPublicKey(), "-h", "-n", "127.0.0.1", "-V", "-5m:+1h"));
    refused(trustingCa(), "HostCertificateRefused", "signed by a CA not in knownHosts");
  }

  @Test
  void aCaIsTrustedOnlyForTheHostsItsLineNames() {
    host.presentHostCertificate(hostCertificate("-h", "-n", "127.0.0.1", "-V", "-5m:+1h"));
    refused(trusting("127.0.0.1", ca.trustLine("*.example.com")), "HostCertificateRefused",
        "which knownHosts trusts only for hosts *.example.com, not [127.0.0.1]:" + host.port());
  }

  @Test
  void aUserCertificateIsNotAHostCertificate() {
    host.presentHostCertificate(hostCertificate("-n", "127.0.0.1", "-V", "-5m:+1h"));
    refused(trustingCa(), "HostCertificateRefused", "it is a user certificate, not a host certificate");
  }

  @Test
  void anUnknownCriticalOptionIsRefused() {
    host.presentHostCertificate(hostCertificate("-h", "-n", "127.0.0.1", "-V", "-5m:+1h", "-O", "critical:only-on-tuesdays"));
    refused(trustingCa(), "HostCertificateRefused", "it carries the critical option only-on-tuesdays, which hostops does not know");
  }

  @Test
  void revokedKeysCertificatesAndCasAreRefused() throws Exception {
    String cert = hostCertificate("-h", "-n", "127.0.0.1", "-V", "-5m:+1h");
    host.presentHostCertificate(cert);
    String trust = ca.trustLine("*") + "\n";
    HostConnection.open(trusting("127.0.0.1", trust), TIMEOUT).close();
    refused(trusting("127.0.0.1", trust + "@revoked * " + host.hostPublicKey()), "HostKeyRevoked", "the host key SHA256:");
    String certLine = cert.split(" ")[0] + " " + cert.split(" ")[1];
    refused(trusting("127.0.0.1", trust + "@revoked * " + certLine), "HostKeyRevoked", "the host certificate of key");
    refused(trusting("127.0.0.1", trust + "@revoked * " + ca.publicKey()), "HostKeyRevoked",
        "the CA SHA256:");
    // a revoked plain key is refused even where another line pins it
    host.presentHostCertificate(null);
    String pinned = "[127.0.0.1]:" + host.port() + " " + host.hostPublicKey() + "\n";
    HostConnection.open(trusting("127.0.0.1", pinned), TIMEOUT).close();
    String message = refused(trusting("127.0.0.1", pinned + "@revoked * " + host.hostPublicKey()), "HostKeyRevoked",
        "is revoked (an @revoked line in knownHosts); refusing to connect");
    assertTrue(message.contains(ownFingerprint()), message);
  }

  @Test
  void aCaKeyPresentedAsAPlainHostKeyIsNotTrusted() throws Exception {
    // sshj alone accepts a plain key equal to an @cert-authority key; OpenSSH does not, nor does hostops
    refused(trusting("127.0.0.1", "@cert-authority * " + host.hostPublicKey()),
        "HostKeyMismatch", "is not among the pinned knownHosts");
  }
}
