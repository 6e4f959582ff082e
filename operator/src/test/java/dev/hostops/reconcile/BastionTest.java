package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static dev.hostops.reconcile.OperatorHarness.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Condition;
import dev.hostops.api.EnvVar;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostSpec;
import dev.hostops.api.ProxyJumpSpec;
import dev.hostops.api.RolloutSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.host.HostConnection;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.testhosts.KubectlPlugin;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hosts behind a bastion, with the operator as it runs in a cluster: two test hosts on a private Docker
 * network (SSH not published, addressed by names only the bastion resolves), a bastion test host on that
 * network and this machine's. Services converge on both through one connection to the bastion; the
 * bastion's key changed is refused and each Host says so naming the bastion; the bastion down, then
 * back, and restarted: each time the hosts behind it converge again. In order: each step starts from the
 * state the one before left.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BastionTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration SSH_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static OperatorHarness k8s;
  private static TestHost bastion;
  private static TestHost one;
  private static TestHost two;

  @BeforeAll
  static void start() throws Exception {
    String net = HOSTS.network("bt-net");
    var jump = CompletableFuture.supplyAsync(() -> HOSTS.bootBastion("bt-jump", net));
    var first = CompletableFuture.supplyAsync(() -> HOSTS.bootBehind("bt-one", net));
    var second = CompletableFuture.supplyAsync(() -> HOSTS.bootBehind("bt-two", net));
    bastion = jump.join();
    one = first.join();
    two = second.join();
    k8s = new OperatorHarness(RESYNC, SSH_TIMEOUT);
    k8s.client.secrets().inNamespace(NS).resource(new SecretBuilder()
        .withNewMetadata().withName("jump-key").withNamespace(NS).endMetadata()
        .withType("kubernetes.io/ssh-auth").addToStringData("ssh-privatekey", bastion.privateKey()).build()).create();
    addBehindBastion(one, "one");
    addBehindBastion(two, "two");
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  /** A Host as a user writes it for a VM behind a bastion: the VM's name as the bastion resolves it. */
  private static void addBehindBastion(TestHost h, String name) {
    k8s.client.secrets().inNamespace(NS).resource(new SecretBuilder()
        .withNewMetadata().withName(name + "-key").withNamespace(NS).endMetadata()
        .withType("kubernetes.io/ssh-auth").addToStringData("ssh-privatekey", h.privateKey()).build()).create();
    Host host = new Host();
    host.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    host.setSpec(new HostSpec());
    host.getSpec().address = h.address();
    host.getSpec().sshKeySecretRef = new SecretKeyRef(name + "-key", "ssh-privatekey");
    host.getSpec().knownHosts = h.knownHosts();
    host.getSpec().proxyJump = new ProxyJumpSpec();
    host.getSpec().proxyJump.address = bastion.address();
    host.getSpec().proxyJump.port = bastion.port();
    host.getSpec().proxyJump.sshKeySecretRef = new SecretKeyRef("jump-key", "ssh-privatekey");
    host.getSpec().proxyJump.knownHosts = bastion.knownHosts();
    k8s.client.resource(host).create();
  }

  private static String bastionEndpoint() {
    return bastion.address() + ":" + bastion.port();
  }

  /** SSH connections into the bastion's sshd, and from the bastion onwards to the hosts behind it. */
  private static int[] bastionConnections() {
    return new int[] {
        Integer.parseInt(bastion.shOk("ss -Htn state established '( sport = :22 )' | wc -l")),
        Integer.parseInt(bastion.shOk("ss -Htn state established '( dport = :22 )' | wc -l"))};
  }

  private static Condition condition(Host h, String type) {
    return h.getStatus() == null ? null
        : h.getStatus().conditions.stream().filter(c -> type.equals(c.type)).findFirst().orElse(null);
  }

  private static void setEnv(String service, String message) {
    k8s.edit(service, s -> s.getSpec().env = List.of(new EnvVar("MESSAGE", message)));
  }

  private static void awaitMessageOnBoth(String service, String message) {
    Await.until(WAIT, () -> ready(k8s.get(service)) && "2/2".equals(k8s.get(service).getStatus().readyHosts)
        && one.sh("cat /etc/systemd/system/" + service + ".service").stdout().contains("MESSAGE=" + message + "\"")
        && two.sh("cat /etc/systemd/system/" + service + ".service").stdout().contains("MESSAGE=" + message + "\""),
        () -> describe(k8s.get(service)));
  }

  @Test
  @Order(1)
  void servicesConvergeThroughTheBastionOnBothHostsOverOneConnection() throws Exception {
    // this machine cannot reach the hosts: their names resolve only on the bastion's network
    HostUnreachableException direct = assertThrows(HostUnreachableException.class,
        () -> HostConnection.open(one.root(), SSH_TIMEOUT).close());
    assertTrue(direct.getMessage().startsWith("cannot connect to " + one.address() + ":22"), direct.getMessage());

    HostService svc = OperatorHarness.service("web", one.image("hostops/demo:v1"), "one", "two");
    svc.getSpec().env = List.of(new EnvVar("MESSAGE", "through the bastion"));
    // both hosts change together: the times below measure the bastion, not a one-by-one rollout
    svc.getSpec().rollout = new RolloutSpec();
    svc.getSpec().rollout.maxUnavailable = 2;
    long t0 = System.nanoTime();
    k8s.create(svc);
    awaitMessageOnBoth("web", "through the bastion");
    System.out.printf("create -> Ready on 2 hosts behind a bastion: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals("Running", on(k8s.get("web"), "one").state);
    assertEquals("Running", on(k8s.get("web"), "two").state);
    assertEquals("active", one.shOk("systemctl is-active web"));
    assertEquals("active", two.shOk("systemctl is-active web"));

    for (String name : List.of("one", "two")) {
      Await.until(WAIT, () -> Boolean.TRUE.equals(k8s.host(name).getStatus().reachable), () -> describe(k8s.host(name)));
      Host h = k8s.host(name);
      assertEquals("reachable as root through bastion " + bastionEndpoint(), h.getStatus().message);
      TestHost th = name.equals("one") ? one : two;
      assertEquals(th.shOk("ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2"),
          h.getStatus().hostKeyFingerprint, "the host's own key, not the bastion's");
    }
    // every probe, apply and Host probe of both hosts ran over one login on the bastion
    int[] seen = bastionConnections();
    assertEquals(1, seen[0], "SSH connections into the bastion");
    assertEquals(2, seen[1], "connections from the bastion to the hosts behind it");

    // kubectl hostops reaches them the same way, with its own connection to the bastion, closed after
    KubectlPlugin.Run exec = KubectlPlugin.run(k8s.api.kubeconfig(), "exec", "web", "-n", NS, "--host", "two",
        "--", "sh", "-c", "echo \"$MESSAGE\"; exit 4");
    assertEquals(4, exec.exit(), exec.err());
    assertEquals("through the bastion", exec.out().strip());
    KubectlPlugin.Run logs = KubectlPlugin.run(k8s.api.kubeconfig(), "logs", "web", "-n", NS, "--tail", "1");
    assertEquals(0, logs.exit(), logs.err());
    assertTrue(logs.out().lines().anyMatch(l -> l.startsWith("one ")) && logs.out().lines().anyMatch(l -> l.startsWith("two ")),
        logs.out());
    Await.until(WAIT, () -> bastionConnections()[0] == 1, () -> "connections into the bastion: " + bastionConnections()[0]);
  }

  @Test
  @Order(2)
  void aBastionWhoseKeyChangedIsRefusedAndEachHostNamesIt() {
    String unitOne = one.shOk("cat /etc/systemd/system/web.service");
    String unitTwo = two.shOk("cat /etc/systemd/system/web.service");
    bastion.regenerateHostKeys();
    String presented = bastion.shOk("ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2");
    String expected = "bastion " + bastionEndpoint() + ": host key " + presented
        + " is not among the pinned proxyJump.knownHosts; refusing to connect";
    setEnv("web", "must not arrive");
    for (String name : List.of("one", "two")) {
      Await.until(WAIT, () -> condition(k8s.host(name), "Ready") != null
          && "BastionHostKeyMismatch".equals(condition(k8s.host(name), "Ready").reason), () -> describe(k8s.host(name)));
      Host h = k8s.host(name);
      assertEquals(expected, condition(h, "Ready").message);
      assertEquals(expected, h.getStatus().message);
      assertFalse(h.getStatus().reachable);
      assertFalse(presented.equals(h.getStatus().hostKeyFingerprint), "the Host's own fingerprint is not the bastion's");
      Await.until(WAIT, () -> !k8s.events(name, "BastionHostKeyMismatch").isEmpty(), () -> "no Warning Event");
      Await.until(WAIT, () -> ("unreachable: " + expected).equals(on(k8s.get("web"), name).message),
          () -> describe(k8s.get("web")));
      assertEquals("Unreachable", on(k8s.get("web"), name).state);
    }
    assertEquals(unitOne, one.shOk("cat /etc/systemd/system/web.service"), "nothing written behind an unverified bastion");
    assertEquals(unitTwo, two.shOk("cat /etc/systemd/system/web.service"));

    // the user pins the bastion's new key
    String line = "[" + bastion.address() + "]:" + bastion.port() + " "
        + bastion.shOk("cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub");
    long t0 = System.nanoTime();
    for (String name : List.of("one", "two")) {
      k8s.editHost(name, h -> h.getSpec().proxyJump.knownHosts = line);
    }
    awaitMessageOnBoth("web", "must not arrive");
    System.out.printf("bastion key pinned anew -> Ready on both: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    assertEquals(1, bastionConnections()[0], "one login on the bastion again");
  }

  @Test
  @Order(3)
  void aBastionDownIsReportedByEachHostAndTheyConvergeWhenItIsBack() {
    // sshd stopped and every session on the bastion dropped: the machine is up, nothing answers on 22
    bastion.shOk("systemctl stop ssh && (pkill -f '^sshd: [a-z]' || true)");
    setEnv("web", "after the outage");
    for (String name : List.of("one", "two")) {
      Await.until(WAIT, () -> condition(k8s.host(name), "Ready") != null
          && "BastionUnreachable".equals(condition(k8s.host(name), "Ready").reason), () -> describe(k8s.host(name)));
      String message = condition(k8s.host(name), "Ready").message;
      assertTrue(message.startsWith("bastion " + bastionEndpoint() + ": "), message);
      Await.until(WAIT, () -> on(k8s.get("web"), name).message.startsWith("unreachable: bastion " + bastionEndpoint()),
          () -> describe(k8s.get("web")));
    }
    long t0 = System.nanoTime();
    bastion.shOk("systemctl start ssh");
    awaitMessageOnBoth("web", "after the outage");
    System.out.printf("bastion back -> Ready on both: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
  }

  @Test
  @Order(4)
  void aBastionRestartedUnderWayRecovers() {
    // sshd restarted with every session dropped, as a reboot of the bastion does to its connections
    bastion.shOk("systemctl restart ssh && (pkill -f '^sshd: [a-z]' || true)");
    long t0 = System.nanoTime();
    setEnv("web", "after the restart");
    awaitMessageOnBoth("web", "after the restart");
    System.out.printf("bastion restarted -> edit Ready on both: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    for (String name : List.of("one", "two")) {
      Await.until(WAIT, () -> Boolean.TRUE.equals(k8s.host(name).getStatus().reachable), () -> describe(k8s.host(name)));
    }
    assertEquals(1, bastionConnections()[0], "one login on the bastion after the restart");
    assertEquals("1", one.shOk("docker ps -q --filter name=^web$ | wc -l"), "one container");
    assertEquals("1", two.shOk("docker ps -q --filter name=^web$ | wc -l"), "one container");
  }

  /** Replaces the private key in the bastion's key Secret, as `kubectl edit secret` would. */
  private static void jumpKey(String privateKey) {
    k8s.client.secrets().inNamespace(NS).withName("jump-key").edit(s -> {
      s.setData(java.util.Map.of("ssh-privatekey", java.util.Base64.getEncoder()
          .encodeToString(privateKey.getBytes(java.nio.charset.StandardCharsets.UTF_8))));
      s.setStringData(null);
      return s;
    });
  }

  @Test
  @Order(5)
  void theBastionsKeySecretIsReadAndAChangeOfItIsUsed() {
    // a key the bastion does not accept: the login is refused, and each Host says so naming the bastion
    String stranger = bastion.shOk("rm -f /tmp/stranger* && ssh-keygen -q -t ed25519 -N '' -f /tmp/stranger "
        + "&& cat /tmp/stranger");
    jumpKey(stranger + "\n");
    String refused = "bastion " + bastionEndpoint() + ": public key authentication as root was refused by "
        + bastion.address();
    for (String name : List.of("one", "two")) {
      Await.until(WAIT, () -> condition(k8s.host(name), "Ready") != null
          && refused.equals(condition(k8s.host(name), "Ready").message), () -> describe(k8s.host(name)));
      assertEquals("BastionUnreachable", condition(k8s.host(name), "Ready").reason);
      assertFalse(describe(k8s.host(name)).contains("PRIVATE KEY"), "no key material in status");
    }
    setEnv("web", "with the key back");
    Await.until(WAIT, () -> ("unreachable: " + refused).equals(on(k8s.get("web"), "one").message),
        () -> describe(k8s.get("web")));
    assertFalse(describe(k8s.get("web")).contains("PRIVATE KEY"), "no key material in status");
    long t0 = System.nanoTime();
    jumpKey(bastion.privateKey());
    awaitMessageOnBoth("web", "with the key back");
    System.out.printf("bastion key Secret fixed -> Ready on both: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
  }
}
