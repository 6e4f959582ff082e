package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static dev.hostops.reconcile.OperatorHarness.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.host.HostConnection;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The operator end to end: a real API server, the chart's RBAC, real hosts. */
class OperatorTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static OperatorHarness k8s;
  private static TestHost one;
  private static TestHost two;
  private static TestHost three;

  @BeforeAll
  static void start() throws Exception {
    List<TestHost> booted = HOSTS.boot("op1", "op2", "op3");
    one = booted.get(0);
    two = booted.get(1);
    three = booted.get(2);
    k8s = new OperatorHarness(RESYNC, Duration.ofSeconds(5));
    k8s.addHost(one, "one", "root", Map.of("role", "web"));
    k8s.addHost(two, "two", "ubuntu", Map.of("role", "web"));
    k8s.addHost(three, "three", "root", Map.of("role", "spare"));
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  private static HostService awaitReady(String name) {
    return k8s.awaitReady(name, WAIT);
  }

  @Test
  void hostStatusReportsTheMachine() {
    Await.until(WAIT, () -> k8s.host("two").getStatus() != null && Boolean.TRUE.equals(k8s.host("two").getStatus().reachable),
        () -> describe(k8s.host("two")));
    Host h = k8s.host("two");
    assertTrue(h.getStatus().os.startsWith("Debian GNU/Linux 12"), h.getStatus().os);
    assertNotNull(h.getStatus().dockerVersion);
    assertNotNull(h.getStatus().systemdVersion);
    assertEquals(two.shOk("ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2"),
        h.getStatus().hostKeyFingerprint);
    assertTrue(h.getStatus().conditions.stream().anyMatch(c -> "Ready".equals(c.type) && "True".equals(c.status)));
  }

  @Test
  void createChangeNoopDriftAndDelete() throws Exception {
    HostService svc = k8s.service("web", one.image("hostops/demo:v1"), "one");
    svc.getSpec().env = List.of(new EnvVar("MESSAGE", "hello from v1"));
    svc.getSpec().ports = List.of("8080:80");
    long t0 = System.nanoTime();
    k8s.client.resource(svc).create();
    HostService s = awaitReady("web");
    System.out.printf("create -> Ready: %d ms%n", (System.nanoTime() - t0) / 1_000_000);
    ServiceOnHost entry = on(s, "one");
    assertEquals("Running", entry.state);
    String v1 = one.shOk("docker image inspect -f '{{index .RepoDigests 0}}' " + one.image("hostops/demo:v1"));
    assertEquals(v1, entry.imageDigest);
    assertEquals("1/1", s.getStatus().readyHosts);
    assertEquals("active", one.shOk("systemctl is-active web"));
    assertTrue(one.shOk("docker port web").contains("8080"));
    Await.until(WAIT, () -> one.sh("cat /root/var/logs/demo.log").stdout().contains("hello from v1")
        || one.sh("docker logs web").stdout().contains("hello from v1"), () -> one.sh("docker logs web").stdout());

    // the rollout is complete once the container ran minReadySeconds: status says so, once
    Await.until(WAIT, () -> "Complete".equals(k8s.get("web").getStatus().rollout.phase), () -> "rollout not complete");

    // nothing changed: several resyncs write nothing and restart nothing
    String unitTimes = one.shOk("stat -c %Y.%Z /etc/systemd/system/web.service");
    String started = one.shOk("docker inspect -f '{{.State.StartedAt}}' web");
    long trips = HostConnection.totalRoundTrips();
    long writes = k8s.api.writeRequests();
    Thread.sleep(RESYNC.toMillis() * 3);
    assertEquals(writes, k8s.api.writeRequests(), "idle resyncs wrote to the API server");
    assertEquals(unitTimes, one.shOk("stat -c %Y.%Z /etc/systemd/system/web.service"), "unit not rewritten");
    assertEquals(started, one.shOk("docker inspect -f '{{.State.StartedAt}}' web"), "not restarted");
    System.out.printf("round trips over 3 idle resyncs (one service, one host, plus Host probes of 3 hosts): %d%n",
        HostConnection.totalRoundTrips() - trips);

    // change the image and an env value
    HostService edit = k8s.get("web");
    edit.getSpec().image = one.image("hostops/demo:v2");
    edit.getSpec().env = List.of(new EnvVar("MESSAGE", "hello from v2"));
    k8s.client.resource(edit).update();
    Await.until(WAIT, () -> ready(k8s.get("web")) && on(k8s.get("web"), "one").imageDigest.contains("@sha256:")
        && !on(k8s.get("web"), "one").imageDigest.equals(v1), () -> describe(k8s.get("web")));
    String v2 = one.shOk("docker image inspect -f '{{index .RepoDigests 0}}' " + one.image("hostops/demo:v2"));
    assertEquals(v2, on(k8s.get("web"), "one").imageDigest);
    assertTrue(one.shOk("cat /etc/systemd/system/web.service").contains("MESSAGE=hello from v2\""));
    assertTrue(one.shOk("docker inspect -f '{{json .Config.Env}}' web").contains("MESSAGE=hello from v2"));
    assertFalse(started.equals(one.shOk("docker inspect -f '{{.State.StartedAt}}' web")), "restarted");

    // drift by hand: edit the unit, stop the service, remove the container
    one.shOk("echo '# hand edit' >> /etc/systemd/system/web.service && systemctl daemon-reload && systemctl stop web"
        + " && docker rm -f web");
    Await.until(WAIT, () -> one.sh("systemctl is-active web").stdout().strip().equals("active")
            && !one.shOk("cat /etc/systemd/system/web.service").contains("hand edit")
            && one.sh("docker inspect -f '{{.State.Running}}' web").stdout().strip().equals("true"),
        () -> one.sh("systemctl status web --no-pager").stdout());

    // delete
    k8s.client.resource(k8s.get("web")).delete();
    Await.until(WAIT, () -> k8s.get("web") == null, () -> describe(k8s.get("web")));
    assertFalse(one.sh("test -e /etc/systemd/system/web.service").ok(), "unit removed");
    assertFalse(one.sh("docker inspect web").ok(), "container removed");
    assertFalse(one.sh("test -e /var/lib/hostops/services/web").ok(), "record removed");
  }

  @Test
  void runsOnEveryHostTheSelectorMatches() {
    HostService svc = k8s.service("both", one.image("hostops/demo:v1"));
    svc.getSpec().hosts = null;
    svc.getSpec().hostSelector = new LabelSelectorBuilder().addToMatchLabels("role", "web").build();
    k8s.client.resource(svc).create();
    HostService s = awaitReady("both");
    assertEquals("2/2", s.getStatus().readyHosts);
    assertEquals(List.of("one", "two"), s.getStatus().hosts.stream().map(h -> h.host).toList());
    assertEquals("active", one.shOk("systemctl is-active both"));
    assertEquals("active", two.shOk("systemctl is-active both"));

    // a host that stops matching loses the service
    // the operator writes the Host's status meanwhile: the edit is read anew and retried on a conflict
    k8s.editHost("two", h -> h.getMetadata().setLabels(Map.of("role", "other")));
    Await.until(WAIT, () -> "1/1".equals(k8s.get("both").getStatus().readyHosts)
        && !two.sh("test -e /etc/systemd/system/both.service").ok(), () -> describe(k8s.get("both")));
    assertFalse(two.sh("docker inspect both").ok());
    k8s.editHost("two", h -> h.getMetadata().setLabels(Map.of("role", "web")));
    k8s.client.resource(k8s.get("both")).delete();
    Await.until(WAIT, () -> k8s.get("both") == null, () -> describe(k8s.get("both")));
    assertFalse(one.sh("test -e /etc/systemd/system/both.service").ok());
  }

  @Test
  void restartingTheOperatorMidReconcileIsHarmless() throws Exception {
    HostService svc = k8s.service("restarted", two.image("hostops/demo:v2"), "two");
    svc.getSpec().env = List.of(new EnvVar("MESSAGE", "survives a restart"));
    k8s.client.resource(svc).create();
    Await.until(WAIT, () -> two.sh("test -e /var/lib/hostops/services/restarted/owner").ok(), () -> "no record yet");
    k8s.restartOperator(); // while the first apply is pulling and starting
    HostService s = awaitReady("restarted");
    assertEquals("Running", on(s, "two").state);
    assertEquals("1", two.shOk("docker ps -q --filter name=^restarted$ | wc -l"), "one container");
    assertTrue(two.shOk("cat /etc/systemd/system/restarted.service").contains("MESSAGE=survives a restart\""));
    assertEquals("", two.shOk("ls -a /etc/systemd/system | grep '^.hostops' || true"), "no temp file left behind");
    k8s.client.resource(k8s.get("restarted")).delete();
    Await.until(WAIT, () -> k8s.get("restarted") == null, () -> describe(k8s.get("restarted")));
  }

  @Test
  void aHostThatIsDownIsReportedAndRecovers() {
    k8s.client.resource(k8s.service("flaky", three.image("hostops/demo:v1"), "three")).create();
    awaitReady("flaky");
    three.freeze();
    try {
      Await.until(WAIT, () -> "Unreachable".equals(on(k8s.get("flaky"), "three").state),
          () -> describe(k8s.get("flaky")));
      HostService s = k8s.get("flaky");
      assertEquals("False", OperatorHarness.condition(s, "Ready"));
      assertEquals("True", OperatorHarness.condition(s, "Degraded"));
      assertTrue(on(s, "three").message.startsWith("unreachable:"), on(s, "three").message);
      Await.until(WAIT, () -> Boolean.FALSE.equals(k8s.host("three").getStatus().reachable),
          () -> describe(k8s.host("three").getStatus()));
    } finally {
      three.thaw();
    }
    awaitReady("flaky");
    Await.until(WAIT, () -> Boolean.TRUE.equals(k8s.host("three").getStatus().reachable),
        () -> describe(k8s.host("three").getStatus()));
    k8s.client.resource(k8s.get("flaky")).delete();
    Await.until(WAIT, () -> k8s.get("flaky") == null, () -> describe(k8s.get("flaky")));
  }

  @Test
  void aHostWhoseKeyChangedIsRefusedAndNothingIsWritten() throws Exception {
    TestHost four = HOSTS.boot("op4");
    k8s.addHost(four, "four", "root", Map.of());
    k8s.client.resource(k8s.service("pinned", four.image("hostops/demo:v1"), "four")).create();
    awaitReady("pinned");
    String unit = four.shOk("cat /etc/systemd/system/pinned.service");

    four.regenerateHostKeys();
    HostService edit = k8s.get("pinned");
    edit.getSpec().env = List.of(new EnvVar("MESSAGE", "must not arrive"));
    k8s.client.resource(edit).update();
    Await.until(WAIT, () -> "Unreachable".equals(on(k8s.get("pinned"), "four").state)
        && on(k8s.get("pinned"), "four").message.contains("pinned"), () -> describe(k8s.get("pinned")));
    assertTrue(on(k8s.get("pinned"), "four").message.contains("not among the pinned knownHosts"),
        on(k8s.get("pinned"), "four").message);
    Await.until(WAIT, () -> k8s.host("four").getStatus().conditions.stream()
        .anyMatch(c -> "Ready".equals(c.type) && "HostKeyMismatch".equals(c.reason)), () -> describe(k8s.host("four")));
    String presented = four.shOk("ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | cut -d' ' -f2");
    assertEquals(presented, k8s.host("four").getStatus().hostKeyFingerprint);
    Thread.sleep(RESYNC.toMillis() * 2);
    assertEquals(unit, four.shOk("cat /etc/systemd/system/pinned.service"), "nothing written to an unverified host");
  }
}
