package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Host;
import dev.hostops.api.HostSpec;
import dev.hostops.api.ProxyJumpSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.cli.ImportCommand;
import dev.hostops.ssh.BastionUnreachableException;
import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostKeyMismatchException;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.SshTarget;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * SSH through a bastion on real hosts: two hosts on a private Docker network, their SSH port not
 * published and their names known only there, and a bastion on both that network and this machine's.
 * The connection layer as the operator and the command line use it: one bastion connection for every
 * host behind it (counted on the bastion itself), the bastion's key pinned, its failures named.
 */
class BastionConnectionTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  private static TestHost bastion;
  private static TestHost one;
  private static TestHost two;

  @BeforeAll
  static void boot() {
    String net = HOSTS.network("bc-net");
    bastion = HOSTS.bootBastion("bc-jump", net);
    one = HOSTS.bootBehind("bc-one", net);
    two = HOSTS.bootBehind("bc-two", net);
  }

  /** Established SSH connections the bastion's sshd accepted (local port 22) and made onwards (remote port 22). */
  private static int[] bastionConnections() {
    String in = bastion.shOk("ss -Htn state established '( sport = :22 )' | wc -l");
    String out = bastion.shOk("ss -Htn state established '( dport = :22 )' | wc -l");
    return new int[] {Integer.parseInt(in), Integer.parseInt(out)};
  }

  @Test
  void aHostBehindTheBastionCannotBeReachedDirectly() {
    HostUnreachableException e = assertThrows(HostUnreachableException.class,
        () -> HostConnection.open(one.root(), TIMEOUT).close());
    assertTrue(e.getMessage().startsWith("cannot connect to " + one.address() + ":22"), e.getMessage());
    assertFalse(e instanceof BastionUnreachableException);
  }

  @Test
  void throughTheBastionTheHostIsReachedAndItsKeyIsChecked() throws Exception {
    try (HostConnection c = HostConnection.open(one.behind(bastion), TIMEOUT)) {
      assertEquals(one.name() + "\n", c.run("hostname\n", TIMEOUT).stdout());
      assertEquals(one.shOk("ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2"),
          c.hostKeyFingerprint(), "the fingerprint is the host's, not the bastion's");
    }
    // the host's own pin is checked end to end through the bastion: two's key does not pass for one
    String twoKey = two.knownHosts().substring(two.knownHosts().indexOf(' ') + 1);
    SshTarget wrongPin = new SshTarget(one.address(), 22, "root", one.privateKey(), one.address() + " " + twoKey)
        .via(bastion.root());
    HostKeyMismatchException e = assertThrows(HostKeyMismatchException.class,
        () -> HostConnection.open(wrongPin, TIMEOUT).close());
    assertTrue(e.getMessage().contains("presented by " + one.address() + ":22 is not among the pinned knownHosts"),
        e.getMessage());
    // a name the bastion cannot reach: the host's problem, seen from the bastion
    SshTarget nowhere = new SshTarget("nowhere.internal", 22, "root", one.privateKey(), "nowhere.internal " + twoKey)
        .via(bastion.root());
    HostUnreachableException gone = assertThrows(HostUnreachableException.class,
        () -> HostConnection.open(nowhere, TIMEOUT).close());
    assertFalse(gone instanceof BastionUnreachableException, gone.getMessage());
    assertTrue(gone.getMessage().startsWith("bastion " + bastion.root().endpoint() + " cannot reach nowhere.internal:22"),
        gone.getMessage());
  }

  @Test
  void aBastionWhoseKeyIsNotPinnedIsRefusedAndNamed() {
    String otherKey = bastion.shOk("rm -f /tmp/other* && ssh-keygen -q -t ed25519 -N '' -f /tmp/other "
        + "&& cut -d' ' -f1,2 /tmp/other.pub");
    SshTarget jump = new SshTarget(bastion.address(), bastion.port(), "root", bastion.privateKey(),
        "[" + bastion.address() + "]:" + bastion.port() + " " + otherKey);
    BastionUnreachableException e = assertThrows(BastionUnreachableException.class,
        () -> HostConnection.open(one.root().via(jump), TIMEOUT).close());
    String presented = bastion.shOk("ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2");
    assertEquals("bastion " + jump.endpoint() + ": host key " + presented + " is not among the pinned "
        + "proxyJump.knownHosts; refusing to connect", e.getMessage());
    assertEquals("BastionHostKeyMismatch", e.reason());
    // a login the bastion refuses
    SshTarget nobody = new SshTarget(bastion.address(), bastion.port(), "nobody", bastion.privateKey(),
        bastion.knownHosts());
    BastionUnreachableException refused = assertThrows(BastionUnreachableException.class,
        () -> HostConnection.open(one.root().via(nobody), TIMEOUT).close());
    assertEquals("bastion " + nobody.endpoint() + ": public key authentication as nobody was refused by "
        + bastion.address(), refused.getMessage());
    assertEquals("BastionUnreachable", refused.reason());
  }

  @Test
  void hostsBehindOneBastionShareOneConnectionToIt() throws Exception {
    int[] before = bastionConnections();
    try (HostSessions sessions = new HostSessions(TIMEOUT)) {
      for (int round = 0; round < 3; round++) {
        assertEquals(one.name(), sessions.with("ns/one", one.behind(bastion), c -> c.run("hostname\n", TIMEOUT))
            .stdout().strip());
        assertEquals(two.name(), sessions.with("ns/two", two.behind(bastion), c -> c.run("hostname\n", TIMEOUT))
            .stdout().strip());
      }
      assertEquals(1, sessions.bastionConnections());
      int[] during = bastionConnections();
      assertEquals(before[0] + 1, during[0], "one login on the bastion for both hosts");
      assertEquals(before[1] + 2, during[1], "one onward connection per host");

      // the bastion's sshd restarted, every session on it dropped: both hosts come back through a new one
      bastion.shOk("systemctl restart ssh && (pkill -f '^sshd: [a-z]' || true)");
      Thread.sleep(500);
      for (TestHost h : List.of(one, two)) {
        String key = "ns/" + h.name();
        ExecResult r = null;
        for (int attempt = 0; attempt < 3 && r == null; attempt++) {
          try {
            r = sessions.with(key, h.behind(bastion), c -> c.run("hostname\n", TIMEOUT));
          } catch (HostUnreachableException e) {
            // the first use after the drop may find the old connection dead part-way
          }
        }
        assertEquals(h.name() + "\n", r == null ? null : r.stdout());
      }
      assertEquals(1, sessions.bastionConnections());
      assertEquals(before[0] + 1, bastionConnections()[0], "still one login after the restart");
    }
    Thread.sleep(500);
    assertEquals(before[0], bastionConnections()[0], "closed when no host uses it");
  }

  @Test
  void aFrozenBastionIsNamedNotTheHostsBehindIt() throws Exception {
    Duration timeout = Duration.ofSeconds(3);
    try (HostSessions sessions = new HostSessions(timeout)) {
      for (TestHost h : List.of(one, two)) {
        sessions.with("ns/" + h.name(), h.behind(bastion), c -> c.run("true\n", timeout));
      }
      // the bastion stops answering with its connection open (a hung VM): TCP does not notice
      bastion.freeze();
      try {
        long t0 = System.nanoTime();
        BastionUnreachableException first = assertThrows(BastionUnreachableException.class,
            () -> sessions.with("ns/" + one.name(), one.behind(bastion), c -> c.run("true\n", timeout)));
        double took = (System.nanoTime() - t0) / 1e9;
        assertTrue(first.getMessage().startsWith("bastion " + bastion.root().endpoint() + ": does not answer"),
            first.getMessage());
        assertTrue(took < 3 * timeout.toSeconds(), "named within the timeout and a keepalive: " + took + " s");
        long t1 = System.nanoTime();
        BastionUnreachableException second = assertThrows(BastionUnreachableException.class,
            () -> sessions.with("ns/" + two.name(), two.behind(bastion), c -> c.run("true\n", timeout)));
        assertTrue(second.getMessage().startsWith("bastion " + bastion.root().endpoint() + ": does not answer"),
            second.getMessage());
        assertTrue((System.nanoTime() - t1) / 1e9 < 1, "the other host behind it fails at once");
      } finally {
        bastion.thaw();
      }
      Thread.sleep(timeout.toMillis());
      for (TestHost h : List.of(one, two)) {
        assertEquals(h.name() + "\n", sessions.with("ns/" + h.name(), h.behind(bastion),
            c -> c.run("hostname\n", timeout)).stdout());
      }
      assertEquals(1, sessions.bastionConnections());
    }
  }

  /** {@code hostops import --from-host} with a manifest holding the Host, its bastion and both key Secrets. */
  @Test
  void importFromAHostBehindTheBastion(@TempDir Path dir) throws Exception {
    two.shOk("printf '[Unit]\\nRequires=docker.service\\nAfter=docker.service\\n[Service]\\nExecStartPre=-/usr/bin/docker "
        + "stop legacy\\nExecStartPre=-/usr/bin/docker rm legacy\\nExecStart=/usr/bin/docker run --name legacy "
        + "-p 8080:80 registry.example.com/legacy:1\\n[Install]\\nWantedBy=multi-user.target\\n' "
        + "> /etc/systemd/system/legacy.service");
    Host h = new Host();
    h.setMetadata(new ObjectMetaBuilder().withName("vm2").build());
    h.setSpec(new HostSpec());
    h.getSpec().address = two.address();
    h.getSpec().sshKeySecretRef = new SecretKeyRef("vm2-key", "ssh-privatekey");
    h.getSpec().knownHosts = two.knownHosts();
    h.getSpec().proxyJump = new ProxyJumpSpec();
    h.getSpec().proxyJump.address = bastion.address();
    h.getSpec().proxyJump.port = bastion.port();
    h.getSpec().proxyJump.sshKeySecretRef = new SecretKeyRef("jump-key", "ssh-privatekey");
    h.getSpec().proxyJump.knownHosts = bastion.knownHosts();
    KubernetesSerialization yaml = new KubernetesSerialization();
    String hostYaml = yaml.asYaml(h) + "\n" + yaml.asYaml(new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName("vm2-key").build())
        .addToStringData("ssh-privatekey", two.privateKey()).build());
    Path withoutJumpKey = dir.resolve("no-jump-key.yaml");
    Files.writeString(withoutJumpKey, hostYaml);
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    dev.hostops.cli.UsageException missing = assertThrows(dev.hostops.cli.UsageException.class,
        () -> ImportCommand.run(List.of("--from-host", withoutJumpKey.toString(), "legacy"),
            new PrintStream(new ByteArrayOutputStream()), new PrintStream(err)));
    assertEquals(withoutJumpKey + ": Host vm2: spec.proxyJump.sshKeySecretRef: Secret default/jump-key not found "
        + "(put the Secret in the same file)", missing.getMessage());

    Path manifest = dir.resolve("vm2.yaml");
    Files.writeString(manifest, hostYaml + "\n" + yaml.asYaml(new SecretBuilder()
        .withMetadata(new ObjectMetaBuilder().withName("jump-key").build())
        .addToStringData("ssh-privatekey", bastion.privateKey()).build()));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = ImportCommand.run(List.of("--from-host", manifest.toString(), "legacy"),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
    String imported = out.toString(StandardCharsets.UTF_8);
    assertTrue(imported.contains("image: \"registry.example.com/legacy:1\""), imported);
    assertTrue(imported.contains("- \"vm2\""), imported);
    assertTrue(imported.contains("adopt: true"), imported);
  }
}
