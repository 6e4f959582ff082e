package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.LOKI_URL;
import static dev.hostops.reconcile.OperatorHarness.NS;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static dev.hostops.reconcile.OperatorHarness.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.HostopsOperator;
import dev.hostops.OperatorConfig;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.time.Duration;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three releases side by side on one real API server, each under the chart's RBAC: the default one
 * (objects without hostops.dev/shard) and shards a and b. Each works only on its own objects; a
 * HostService naming a Host of another shard says so and touches nothing; a Host relabelled to
 * another shard is handed over without restarting what runs on it.
 */
class ShardTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static OperatorHarness k8s;
  private static HostopsOperator shardA;
  private static HostopsOperator shardB;
  private static TestHost one;
  private static TestHost two;
  private static TestHost three;

  @BeforeAll
  static void start() throws Exception {
    List<TestHost> booted = HOSTS.boot("sh1", "sh2", "sh3");
    one = booted.get(0);
    two = booted.get(1);
    three = booted.get(2);
    k8s = new OperatorHarness(RESYNC, Duration.ofSeconds(5)); // the default release
    OperatorConfig config = new OperatorConfig(RESYNC, Duration.ofSeconds(5), 8, Set.of(), LOKI_URL, -1, null);
    shardA = new HostopsOperator(k8s.operatorClient, config.withShard(Shard.of("a")));
    shardA.start();
    shardB = new HostopsOperator(k8s.operatorClient, config.withShard(Shard.of("b")));
    shardB.start();
    k8s.addHost(one, "one", "root", Map.of("role", "web"));
    k8s.addHost(two, "two", "root", Map.of("role", "web", Shard.LABEL, "a"));
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {shardA, shardB, k8s}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception e) {
        // the others still close
      }
    }
  }

  private static HostService labelled(HostService s, String shard) {
    if (shard != null) {
      s.getMetadata().setLabels(new HashMap<>(Map.of(Shard.LABEL, shard)));
    }
    return s;
  }

  private static void relabel(String kind, String name, String shard) {
    java.util.function.Consumer<HasMetadata> relabel = o -> {
      Map<String, String> labels = new HashMap<>(o.getMetadata().getLabels() == null ? Map.of() : o.getMetadata().getLabels());
      labels.put(Shard.LABEL, shard);
      o.getMetadata().setLabels(labels);
    };
    // read anew and retried when the operator wrote the resource meanwhile (a 409)
    if ("host".equals(kind)) {
      k8s.editHost(name, relabel::accept);
    } else {
      k8s.edit(name, relabel::accept);
    }
  }

  private static boolean reachable(String host) {
    Host h = k8s.host(host);
    return h != null && h.getStatus() != null && Boolean.TRUE.equals(h.getStatus().reachable);
  }

  @Test
  void eachReleaseWorksOnlyOnItsOwnShard() throws Exception {
    k8s.create(OperatorHarness.service("plain", one.image("hostops/demo:v1"), "one"));
    k8s.create(labelled(OperatorHarness.service("web-a", two.image("hostops/demo:v1"), "two"), "a"));
    // shard c has no release: nobody may touch these, though the Host is a live one
    k8s.addHost(one, "one-c", "root", Map.of(Shard.LABEL, "c"));
    k8s.create(labelled(OperatorHarness.service("web-c", one.image("hostops/demo:v1"), "one-c"), "c"));

    k8s.awaitReady("plain", WAIT);
    k8s.awaitReady("web-a", WAIT);
    Await.until(WAIT, () -> reachable("one") && reachable("two"), () -> describe(k8s.host("two")));
    assertEquals("active", one.shOk("systemctl is-active plain"));
    assertEquals("active", two.shOk("systemctl is-active web-a"));
    // each ran where its shard's release put it, and nowhere else
    assertFalse(two.sh("test -e /etc/systemd/system/plain.service").ok());
    assertFalse(one.sh("test -e /etc/systemd/system/web-a.service").ok());

    Thread.sleep(RESYNC.toMillis() * 3);
    HostService c = k8s.get("web-c");
    assertNull(c.getStatus(), () -> "shard c has no release, yet: " + describe(c));
    assertTrue(c.getMetadata().getFinalizers() == null || c.getMetadata().getFinalizers().isEmpty(), describe(c));
    assertNull(k8s.host("one-c").getStatus(), () -> describe(k8s.host("one-c")));
    assertFalse(one.sh("test -e /etc/systemd/system/web-c.service").ok(), "web-c was applied");
  }

  @Test
  void aServiceOnAHostOfAnotherShardNamesItAndTouchesNothing() throws Exception {
    // by name: a default-release service on shard a's Host
    k8s.create(OperatorHarness.service("stray", two.image("hostops/demo:v1"), "two"));
    Await.until(WAIT, () -> {
      HostService s = k8s.get("stray");
      return s.getStatus() != null && s.getStatus().hosts.stream().anyMatch(h -> "two".equals(h.host)
          && h.message != null && h.message.contains("belongs to shard a"));
    }, () -> describe(k8s.get("stray")));
    ServiceOnHost entry = on(k8s.get("stray"), "two");
    assertTrue(entry.message.contains("Host two belongs to shard a (Host labelled hostops.dev/shard=a)"), entry.message);
    assertTrue(entry.message.contains("label this HostService hostops.dev/shard=a"), entry.message);
    assertNotEquals("True", OperatorHarness.condition(k8s.get("stray"), "Ready"));

    // by selector, from shard b: both Hosts are elsewhere (one is the default release's, two is shard a's)
    HostService selecting = labelled(OperatorHarness.service("stray-b", one.image("hostops/demo:v1")), "b");
    selecting.getSpec().hostSelector = new LabelSelectorBuilder().addToMatchLabels("role", "web").build();
    k8s.create(selecting);
    Await.until(WAIT, () -> {
      HostService s = k8s.get("stray-b");
      return s.getStatus() != null && s.getStatus().hosts.size() == 2;
    }, () -> describe(k8s.get("stray-b")));
    assertTrue(on(k8s.get("stray-b"), "one").message.contains("Host one belongs to the default release"),
        () -> describe(k8s.get("stray-b")));
    assertTrue(on(k8s.get("stray-b"), "two").message.contains("Host two belongs to shard a"),
        () -> describe(k8s.get("stray-b")));
    assertEquals("0/2", k8s.get("stray-b").getStatus().readyHosts);

    Thread.sleep(RESYNC.toMillis() * 2);
    for (TestHost h : List.of(one, two)) {
      assertFalse(h.sh("test -e /etc/systemd/system/stray.service").ok(), "stray was applied");
      assertFalse(h.sh("test -e /etc/systemd/system/stray-b.service").ok(), "stray-b was applied");
    }
  }

  @Test
  void aHostRelabelledToAnotherShardIsHandedOverWithoutARestart() throws Exception {
    k8s.addHost(three, "three", "root", Map.of(Shard.LABEL, "a"));
    k8s.create(labelled(OperatorHarness.service("moving", three.image("hostops/demo:v1"), "three"), "a"));
    k8s.awaitReady("moving", WAIT);
    Await.until(WAIT, () -> "Running".equals(on(k8s.get("moving"), "three").state), () -> describe(k8s.get("moving")));
    String started = three.shOk("docker inspect -f '{{.State.StartedAt}}' moving");
    String active = three.shOk("systemctl show moving -p ActiveEnterTimestamp -p InvocationID");

    // the person moves the Host, then its services: shard a lets go, shard b takes over
    relabel("host", "three", "b");
    Await.until(WAIT, () -> {
      ServiceOnHost e = on(k8s.get("moving"), "three");
      return e.message != null && e.message.contains("belongs to shard b");
    }, () -> describe(k8s.get("moving")));
    relabel("hostservice", "moving", "b");
    Await.until(WAIT, () -> {
      HostService s = k8s.get("moving");
      ServiceOnHost e = on(s, "three");
      return ready(s) && "Running".equals(e.state) && (e.message == null || !e.message.contains("belongs to"));
    }, () -> describe(k8s.get("moving")));

    Thread.sleep(RESYNC.toMillis() * 3);
    assertTrue(ready(k8s.get("moving")), () -> describe(k8s.get("moving")));
    assertEquals(started, three.shOk("docker inspect -f '{{.State.StartedAt}}' moving"), "the container restarted");
    assertEquals(active, three.shOk("systemctl show moving -p ActiveEnterTimestamp -p InvocationID"), "the unit restarted");
    assertEquals("active", three.shOk("systemctl is-active moving"));

    // shard b now applies changes to it: an edit made after the move reaches the host
    k8s.edit("moving", s -> s.getSpec().env = List.of(new dev.hostops.api.EnvVar("MESSAGE", "moved to b")));
    k8s.awaitReady("moving", WAIT);
    Await.until(WAIT, () -> three.shOk("cat /etc/systemd/system/moving.service").contains("MESSAGE=moved to b"),
        () -> three.shOk("cat /etc/systemd/system/moving.service"));
  }

  @Test
  void aServiceRelabelledBeforeItsHostWaitsForItAndRestartsNothing() throws Exception {
    TestHost four = HOSTS.boot("sh4");
    k8s.addHost(four, "four", "root", Map.of());
    k8s.create(OperatorHarness.service("early", four.image("hostops/demo:v1"), "four"));
    k8s.awaitReady("early", WAIT);
    Await.until(WAIT, () -> "Running".equals(on(k8s.get("early"), "four").state), () -> describe(k8s.get("early")));
    String started = four.shOk("docker inspect -f '{{.State.StartedAt}}' early");
    String active = four.shOk("systemctl show early -p ActiveEnterTimestamp -p InvocationID");

    // the service first: shard b takes it and names its Host as the default release's
    relabel("hostservice", "early", "b");
    Await.until(WAIT, () -> {
      ServiceOnHost e = on(k8s.get("early"), "four");
      return e.message != null && e.message.contains("Host four belongs to the default release");
    }, () -> describe(k8s.get("early")));
    relabel("host", "four", "b");
    Await.until(WAIT, () -> {
      HostService s = k8s.get("early");
      ServiceOnHost e = on(s, "four");
      return ready(s) && "Running".equals(e.state) && (e.message == null || !e.message.contains("belongs to"));
    }, () -> describe(k8s.get("early")));
    Thread.sleep(RESYNC.toMillis() * 3);
    assertEquals(started, four.shOk("docker inspect -f '{{.State.StartedAt}}' early"), "the container restarted");
    assertEquals(active, four.shOk("systemctl show early -p ActiveEnterTimestamp -p InvocationID"), "the unit restarted");
    assertTrue(ready(k8s.get("early")), () -> describe(k8s.get("early")));
  }
}
