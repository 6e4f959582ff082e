package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static dev.hostops.reconcile.OperatorHarness.condition;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static dev.hostops.reconcile.OperatorHarness.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.PreStartStep;
import dev.hostops.api.RestartSpec;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.api.ValueSource;
import dev.hostops.testhosts.NetworkLink;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The faults of a real fleet, on real hosts with the operator running as it does in a cluster: a host
 * frozen mid-apply (and the others' work going on meanwhile, measured), sshd restarted mid-apply, a
 * reboot, Docker stopped and started, a full disk, the registry unreachable at start, a Secret
 * deleted under a running service. Each checks that nothing is lost or half-written, what the user
 * sees in status and Events, and that the service converges once the fault is gone (timed).
 * The operator killed mid-apply is {@link OperatorKillTest}; a changed host key is
 * {@link OperatorTest#aHostWhoseKeyChangedIsRefusedAndNothingIsWritten}.
 */
class HostFaultsTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration SSH_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration WAIT = Duration.ofSeconds(90);
  /** More services on the frozen host than the operator has host threads (8 in the harness). */
  private static final int ON_FROZEN = 10;
  private static OperatorHarness k8s;
  private static TestHost frozen;
  private static TestHost healthy;
  private static TestHost faulty;
  /** The faulty host is reached through a proxy on a fixed port: a rebooted test host publishes SSH anew. */
  private static NetworkLink faultyLink;

  @BeforeAll
  static void start() throws Exception {
    List<TestHost> booted = HOSTS.boot("fz", "ok", "ev");
    frozen = booted.get(0);
    healthy = booted.get(1);
    faulty = booted.get(2);
    booted.parallelStream().forEach(h -> h.shOk("docker pull -q " + h.image("hostops/busybox:latest")));
    faultyLink = faulty.behind(NetworkLink.Profile.DIRECT);
    k8s = new OperatorHarness(RESYNC, SSH_TIMEOUT);
    k8s.addHost(frozen, "frozen", "root", Map.of());
    k8s.addHost(healthy, "healthy", "root", Map.of());
    k8s.addHost(faulty, "faulty", "root", Map.of(), faultyLink.port());
  }

  @AfterAll
  static void stop() throws Exception {
    if (frozen != null) {
      frozen.thaw();
    }
    if (k8s != null) {
      k8s.close();
    }
    if (faultyLink != null) {
      faultyLink.close();
    }
  }

  /** A small service that stops at once on SIGTERM (busybox sleep as PID 1 would ignore it for 10 s). */
  private static HostService busybox(String name, TestHost image, String... hosts) {
    HostService s = k8s.service(name, image.image("hostops/busybox:latest"), hosts);
    s.getSpec().pull = "Never";
    s.getSpec().args = List.of("sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done");
    return s;
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  private static void awaitGone(String name) {
    Await.until(WAIT, () -> k8s.get(name) == null, () -> describe(k8s.get(name)));
  }

  private static void await(Supplier<Boolean> condition, String name) {
    Await.until(WAIT, condition, () -> describe(k8s.get(name)));
  }

  private static ServiceOnHost entry(String name, String host) {
    return on(k8s.get(name), host);
  }

  /**
   * Temp files left behind: hostops' own beside managed files, and runner files in /run/hostops. A
   * runner file exists while a script runs (a probe every resync), so a leak is a file that stays:
   * this samples for up to 10 s and returns the first empty listing, or the last one.
   */
  private static String tempFiles(TestHost host, String name) {
    String found = "";
    for (int i = 0; i < 20; i++) {
      found = host.shOk("find /etc/systemd/system /root/" + name + " /run/hostops -maxdepth 1 \\( -name '.hostops.*' -o "
          + "-path '/run/hostops/*' ! -name 'lock*' \\) 2>/dev/null | sort"); // the host's lock stays
      if (found.isEmpty()) {
        return found;
      }
      try {
        Thread.sleep(500);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return found;
      }
    }
    return found;
  }

  private static String sha(String content) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(content.getBytes(StandardCharsets.UTF_8)));
  }

  private static String text(long seed, int size) {
    Random random = new Random(seed);
    StringBuilder s = new StringBuilder();
    while (s.length() < size) {
      s.append(Long.toString(random.nextLong(), 36)).append(s.length() % 100 < 12 ? '\n' : ' ');
    }
    return s.toString();
  }

  private static boolean scriptRunning(TestHost host) {
    return host.sh("pgrep -f '^sh /var/lib/hostops/program/[0-9a-f]+[.]sh [a-z]+ /run/hostops/manifest[.]'").ok();
  }

  /** Edit → Ready on that host with the new unit there, in seconds (bounded by WAIT). */
  private static double editToReady(String name, TestHost host, String hostName, String value) {
    long t0 = System.nanoTime();
    k8s.edit(name, s -> s.getSpec().env = List.of(new EnvVar("V", value)));
    Await.until(WAIT, () -> ready(k8s.get(name)) && "Running".equals(entry(name, hostName).state),
        () -> describe(k8s.get(name)));
    double took = seconds(t0);
    assertTrue(host.shOk("cat /etc/systemd/system/" + name + ".service").contains("V=" + value), "unit rewritten");
    return took;
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    Collections.sort(s);
    return s.get(s.size() / 2);
  }

  @Test
  void aHostFrozenMidApplyHoldsUpNoOtherHostAndConvergesWhenThawed() throws Exception {
    for (int i = 0; i < ON_FROZEN; i++) {
      k8s.create(busybox("fz" + i, frozen, "frozen"));
    }
    k8s.create(busybox("steady", healthy, "healthy"));
    k8s.create(busybox("both", healthy, "frozen", "healthy"));
    for (int i = 0; i < ON_FROZEN; i++) {
      k8s.awaitReady("fz" + i, Duration.ofSeconds(120));
    }
    k8s.awaitReady("steady", WAIT);
    k8s.awaitReady("both", WAIT);

    List<Double> before = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      before.add(editToReady("steady", healthy, "healthy", "base" + i));
    }

    // every service on the frozen host changes; freeze it while one of those applies runs
    for (int i = 0; i < ON_FROZEN; i++) {
      k8s.edit("fz" + i, s -> s.getSpec().env = List.of(new EnvVar("V", "2")));
    }
    Await.until(Duration.ofSeconds(30), () -> scriptRunning(frozen), () -> "no apply seen running on the frozen host");
    frozen.freeze();
    long frozenAt = System.nanoTime();
    List<Double> during = new ArrayList<>();
    double bothHealthy;
    try {
      // edits of a service on the healthy host, while the frozen host's services fail and retry
      while (seconds(frozenAt) < SSH_TIMEOUT.toSeconds() * 4 || during.size() < 4) {
        during.add(editToReady("steady", healthy, "healthy", "frozen" + during.size()));
        Thread.sleep(500);
      }
      // a service on both hosts: its healthy host is applied and reported, the frozen one is Unreachable
      long t0 = System.nanoTime();
      k8s.edit("both", s -> s.getSpec().env = List.of(new EnvVar("V", "while-frozen")));
      Await.until(WAIT, () -> {
        HostService b = k8s.get("both");
        return b.getMetadata().getGeneration().equals(b.getStatus().observedGeneration)
            && "Running".equals(on(b, "healthy").state) && "Unreachable".equals(on(b, "frozen").state);
      }, () -> describe(k8s.get("both")));
      bothHealthy = seconds(t0);
      assertTrue(healthy.shOk("cat /etc/systemd/system/both.service").contains("V=while-frozen"));

      // what the user sees
      Await.until(WAIT, () -> Boolean.FALSE.equals(k8s.host("frozen").getStatus().reachable),
          () -> describe(k8s.host("frozen").getStatus()));
      String hostMessage = k8s.host("frozen").getStatus().message;
      assertTrue(hostMessage.toLowerCase().contains("timeout") || hostMessage.contains("did not finish")
          || hostMessage.contains("timed out"), hostMessage);
      for (int i = 0; i < ON_FROZEN; i++) {
        String name = "fz" + i;
        Await.until(WAIT, () -> "Unreachable".equals(entry(name, "frozen").state), () -> describe(k8s.get(name)));
        assertTrue(entry(name, "frozen").message.startsWith("unreachable:"), entry(name, "frozen").message);
        assertEquals("True", condition(k8s.get(name), "Degraded"));
      }
      assertFalse(k8s.events("fz0", "Unreachable").isEmpty(), "a Warning event says the host is unreachable");
      assertEquals("False", condition(k8s.get("both"), "Ready"));
    } finally {
      frozen.thaw();
    }
    double frozenFor = seconds(frozenAt);
    long thawed = System.nanoTime();
    for (int i = 0; i < ON_FROZEN; i++) {
      k8s.awaitReady("fz" + i, WAIT);
    }
    k8s.awaitReady("both", WAIT);
    double converged = seconds(thawed);

    System.out.printf("%nfrozen host (%d services on it, ssh timeout %d s, frozen %.1f s):%n"
            + "  edit -> Ready of a service on a healthy host: before %s (median %.2f s), while frozen %s (median %.2f s,"
            + " max %.2f s)%n  a service on both hosts: healthy host applied and reported after %.2f s%n"
            + "  thawed -> all %d services converged: %.1f s%n",
        ON_FROZEN, SSH_TIMEOUT.toSeconds(), frozenFor, fmt(before), median(before), fmt(during), median(during),
        Collections.max(during), bothHealthy, ON_FROZEN + 1, converged);
    // the apply that was frozen mid-way runs to its end once thawed (bounded)
    Await.until(Duration.ofSeconds(30), () -> !scriptRunning(frozen), () -> frozen.sh("ps -ef").stdout());
    for (int i = 0; i < ON_FROZEN; i++) {
      String name = "fz" + i;
      assertTrue(frozen.shOk("cat /etc/systemd/system/" + name + ".service").contains("V=2"), name);
      assertEquals("1", frozen.shOk("docker ps -q --filter name=^" + name + "$ | wc -l"), "one container of " + name);
      assertTrue(frozen.shOk("docker inspect -f '{{json .Config.Env}}' " + name).contains("V=2"), name);
    }
    Await.until(Duration.ofSeconds(30), () -> tempFiles(frozen, "fz0").isEmpty(),
        () -> tempFiles(frozen, "fz0") + "\n" + frozen.sh("ps -ef; ls -la /run/hostops").stdout());
    assertTrue(frozen.shOk("cat /etc/systemd/system/both.service").contains("V=while-frozen"));

    // no starvation: a frozen host may cost a healthy host's edit at most one SSH timeout, once
    assertTrue(median(during) <= median(before) * 2 + 1.5, "healthy host slowed down: " + fmt(during) + " vs "
        + fmt(before));
    assertTrue(Collections.max(during) <= Collections.max(before) + SSH_TIMEOUT.toSeconds() + 2,
        "healthy host held up: " + fmt(during));
    assertTrue(bothHealthy <= SSH_TIMEOUT.toSeconds() * 2 + 5, "multi-host service held up: " + bothHealthy);

    for (int i = 0; i < ON_FROZEN; i++) {
      k8s.delete("fz" + i);
    }
    k8s.delete("steady");
    k8s.delete("both");
    for (int i = 0; i < ON_FROZEN; i++) {
      awaitGone("fz" + i);
    }
  }

  private static String fmt(List<Double> xs) {
    return xs.stream().map(x -> String.format("%.2f", x)).toList().toString();
  }

  @Test
  void sshdRestartedMidApplyLosesNothingAndConverges() throws Exception {
    String name = "sshd-cut";
    HostService s = busybox(name, faulty, "faulty");
    ServiceFile big = new ServiceFile();
    big.name = "data.txt";
    big.mountPath = "/data.txt";
    big.content = text(1, 240_000);
    s.getSpec().files = List.of(big);
    PreStartStep slow = new PreStartStep();
    slow.args = List.of("sleep", "2");
    s.getSpec().preStart = List.of(slow);
    k8s.create(s);
    k8s.awaitReady(name, WAIT);

    String next = text(2, 240_000);
    k8s.edit(name, e -> {
      e.getSpec().files.get(0).content = next;
      e.getSpec().env = List.of(new EnvVar("V", "2"));
    });
    Await.until(Duration.ofSeconds(30), () -> scriptRunning(faulty), () -> "no apply seen running");
    long cut = System.nanoTime();
    faulty.shOk("systemctl restart ssh && (pkill -f '^sshd: root' || true)");
    k8s.awaitReady(name, WAIT);
    await(() -> faulty.shOk("docker inspect -f '{{json .Config.Env}}' " + name).contains("V=2"), name);
    double converged = seconds(cut);
    assertEquals(sha(next), faulty.shOk("sha256sum < /root/" + name + "/data.txt | cut -c1-64"));
    assertEquals("1", faulty.shOk("docker ps -q --filter name=^" + name + "$ | wc -l"), "one container");
    assertEquals("", tempFiles(faulty, name));
    List<String> lost = k8s.events(name, "Unreachable");
    System.out.printf("sshd restarted mid-apply (sessions dropped): converged %.1f s later; events: %s%n", converged, lost);
    k8s.delete(name);
    awaitGone(name);
  }

  @Test
  void aRebootedHostBringsItsServicesBackWithoutHostopsReapplyingThem() throws Exception {
    String name = "boot-svc";
    HostService s = busybox(name, faulty, "faulty");
    s.getSpec().pull = "Always";
    k8s.create(s);
    k8s.awaitReady(name, WAIT);
    Thread.sleep(RESYNC.toMillis() * 2);
    String unit = faulty.shOk("stat -c %i.%Y.%Z /etc/systemd/system/" + name + ".service");
    String startedBefore = entry(name, "faulty").startedAt;
    int applied = k8s.events(name, "Applied").size();

    long t0 = System.nanoTime();
    assertTrue(TestHosts.exec(List.of("docker", "restart", faulty.name())).ok());
    double rebooted = seconds(t0);
    faultyLink.reset(NetworkLink.Profile.DIRECT); // the same port, to the one the host publishes now
    long up = System.nanoTime();
    Await.until(WAIT, () -> Boolean.TRUE.equals(k8s.host("faulty").getStatus().reachable)
        && ready(k8s.get(name)) && !startedBefore.equals(entry(name, "faulty").startedAt), () -> describe(k8s.get(name)));
    double converged = seconds(up);
    Thread.sleep(RESYNC.toMillis() * 2);
    assertEquals(unit, faulty.shOk("stat -c %i.%Y.%Z /etc/systemd/system/" + name + ".service"), "unit rewritten");
    assertEquals(applied, k8s.events(name, "Applied").size(), "hostops applied something: "
        + k8s.events(name, "Applied"));
    assertEquals(faulty.shOk("docker inspect -f '{{.State.StartedAt}}' " + name), entry(name, "faulty").startedAt);
    assertEquals("1", faulty.shOk("docker ps -q --filter name=^" + name + "$ | wc -l"));
    System.out.printf("host rebooted (docker restart %.1f s): up -> status Ready on the new container %.1f s, "
        + "nothing re-applied%n", rebooted, converged);
    k8s.delete(name);
    awaitGone(name);
  }

  @Test
  void dockerStoppedThenStartedComesBack() throws Exception {
    String name = "dk-svc";
    k8s.create(busybox(name, faulty, "faulty"));
    k8s.awaitReady(name, WAIT);
    String unit = faulty.shOk("stat -c %i.%Y.%Z /etc/systemd/system/" + name + ".service");

    faulty.shOk("systemctl stop docker docker.socket");
    long t0 = System.nanoTime();
    Set<String> seen = new LinkedHashSet<>();
    while (seconds(t0) < 8) {
      HostService now = k8s.get(name);
      seen.add(on(now, "faulty").state + " (" + on(now, "faulty").message + ")");
      var hostReady = k8s.host("faulty").getStatus().conditions.stream().filter(c -> "Ready".equals(c.type))
          .findFirst().orElseThrow();
      seen.add("Host " + hostReady.reason);
      Thread.sleep(200);
    }
    double recovered = -1;
    if (!"active".equals(faulty.sh("systemctl is-active docker").stdout().strip())) {
      faulty.shOk("systemctl start docker");
    } else {
      recovered = seconds(t0);
    }
    long started = System.nanoTime();
    k8s.awaitReady(name, WAIT);
    double converged = seconds(started);
    Await.until(WAIT, () -> k8s.host("faulty").getStatus().conditions.stream()
        .anyMatch(c -> "Ready".equals(c.type) && "True".equals(c.status)), () -> describe(k8s.host("faulty")));
    assertEquals("active", faulty.shOk("systemctl is-active " + name));
    assertEquals("1", faulty.shOk("docker ps -q --filter name=^" + name + "$ | wc -l"));
    assertEquals(unit, faulty.shOk("stat -c %i.%Y.%Z /etc/systemd/system/" + name + ".service"), "unit rewritten");
    System.out.printf("docker stopped: seen %s; %s; then Ready %.1f s; events %s%n", seen,
        recovered < 0 ? "started by hand" : "Docker already back (started by hostops' start of the unit)",
        converged, k8s.events(name, "Applied"));
    k8s.delete(name);
    awaitGone(name);
  }

  @Test
  void aFullDiskIsReportedWithThePathAndNothingIsHalfWritten() throws Exception {
    String name = "disk-svc";
    HostService s = busybox(name, faulty, "faulty");
    ServiceFile data = new ServiceFile();
    data.name = "data.txt";
    data.mountPath = "/data.txt";
    data.content = "small\n";
    s.getSpec().files = List.of(data);
    k8s.create(s);
    k8s.awaitReady(name, WAIT);
    String dir = "/root/" + name;
    String oldSha = sha("small\n");
    assertEquals(oldSha, faulty.shOk("sha256sum < " + dir + "/data.txt | cut -c1-64"));
    // a 64 KB file system where hostops writes the service's files, holding what was there
    faulty.shOk("cp -a " + dir + " /tmp/disk-svc.bak && mount -t tmpfs -o size=64k,mode=700 tmpfs " + dir
        + " && cp -a /tmp/disk-svc.bak/. " + dir + "/");
    try {
      String big = text(3, 200_000);
      k8s.edit(name, e -> e.getSpec().files.get(0).content = big);
      Await.until(WAIT, () -> "Error".equals(entry(name, "faulty").state), () -> describe(k8s.get(name)));
      String message = entry(name, "faulty").message;
      assertTrue(message.contains("writing " + dir + "/data.txt (200") && (message.contains("No space left on device")
          || message.contains("KB free there")), message);
      assertEquals("False", condition(k8s.get(name), "Ready"));
      assertEquals("True", condition(k8s.get(name), "Degraded"));
      assertTrue(k8s.events(name, "Error").stream().anyMatch(m -> m.contains(dir + "/data.txt")),
          k8s.events(name, "Error").toString());
      assertEquals(oldSha, faulty.shOk("sha256sum < " + dir + "/data.txt | cut -c1-64"), "the old file is intact");
      assertEquals("", tempFiles(faulty, name), "no temp file left");
      assertEquals("running", faulty.shOk("docker inspect -f '{{.State.Status}}' " + name), "the service still runs");

      long t0 = System.nanoTime();
      faulty.shOk("mount -o remount,size=2m " + dir);
      k8s.awaitReady(name, WAIT);
      double converged = seconds(t0);
      assertEquals(sha(big), faulty.shOk("sha256sum < " + dir + "/data.txt | cut -c1-64"));
      assertEquals("", tempFiles(faulty, name));
      System.out.printf("disk full: \"%s\"; space back -> Ready %.1f s%n", message, converged);
      k8s.delete(name);
      awaitGone(name);
    } finally {
      faulty.sh("umount " + dir + "; rm -rf /tmp/disk-svc.bak");
    }
  }

  @Test
  void theRegistryUnreachableAtStartRunsTheLocalImageAndSaysSo() throws Exception {
    String gateway = faulty.registry().substring(0, faulty.registry().indexOf(':'));
    String name = "reg-svc";
    HostService s = busybox(name, faulty, "faulty");
    s.getSpec().pull = "Always";
    k8s.create(s);
    k8s.awaitReady(name, WAIT);
    String none = faulty.image("hostops/demo:v1");
    faulty.sh("docker rmi -f " + none);
    String block = "OUTPUT -p tcp -d " + gateway + " --dport 5000 -j REJECT --reject-with tcp-reset";
    faulty.shOk("iptables -I " + block);
    double converged;
    try {
      assertFalse(faulty.sh("timeout 20 docker pull -q " + none).ok(), "the registry is blocked");
      // the unit starts during the outage, as it does when the host boots
      faulty.shOk("systemctl restart " + name);
      Await.until(WAIT, () -> "Running".equals(entry(name, "faulty").state)
          && entry(name, "faulty").message.startsWith("pull failed"), () -> describe(k8s.get(name)));
      assertTrue(entry(name, "faulty").message.contains(faulty.image("hostops/busybox:latest")));
      assertTrue(ready(k8s.get(name)), "it runs, on the image the host had");
      assertFalse(k8s.events(name, "PullFailed").isEmpty());

      // no image on the host: a clear failure
      HostService missing = k8s.service("reg-none", none, "faulty");
      missing.getSpec().restart = new RestartSpec();
      missing.getSpec().restart.policy = "no";
      k8s.create(missing);
      Await.until(WAIT, () -> "Failed".equals(entry("reg-none", "faulty").state)
          && entry("reg-none", "faulty").message.startsWith("pull failed"), () -> describe(k8s.get("reg-none")));
      System.out.printf("registry unreachable: \"%s\"; no local image: \"%s\"%n", entry(name, "faulty").message,
          entry("reg-none", "faulty").message);
    } finally {
      faulty.sh("iptables -D " + block);
    }
    long t0 = System.nanoTime();
    k8s.edit("reg-none", e -> e.getSpec().env = List.of(new EnvVar("V", "again")));
    k8s.awaitReady("reg-none", WAIT);
    converged = seconds(t0);
    k8s.edit(name, e -> e.getSpec().env = List.of(new EnvVar("V", "again")));
    k8s.awaitReady(name, WAIT);
    assertFalse(entry(name, "faulty").message.startsWith("pull failed"), entry(name, "faulty").message);
    System.out.printf("registry back: edit -> Ready %.1f s%n", converged);
    k8s.delete(name);
    k8s.delete("reg-none");
    awaitGone(name);
    awaitGone("reg-none");
  }

  @Test
  void aHostWithAMissingPullSecretHoldsUpOnlyItselfAndEachProblemIsWarnedAboutOnce() throws Exception {
    String name = "hostsecret-svc";
    k8s.create(busybox(name, healthy, "healthy", "faulty"));
    k8s.awaitReady(name, WAIT);
    // one Host names a default pull Secret that does not exist: a problem of that host, not of the service
    k8s.editHost("healthy", h -> h.getSpec().imagePullSecrets = List.of(new dev.hostops.api.ObjectName("no-such-secret")));
    try {
      k8s.edit(name, e -> e.getSpec().env = List.of(new EnvVar("V", "two")));
      Await.until(WAIT, () -> "Error".equals(entry(name, "healthy").state)
          && "Running".equals(entry(name, "faulty").state)
          && faulty.sh("docker inspect -f '{{json .Config.Env}}' " + name).stdout().contains("\"V=two\""),
          () -> describe(k8s.get(name)));
      assertTrue(entry(name, "healthy").message.contains("Secret no-such-secret not found"), entry(name, "healthy").message);
      assertFalse(healthy.shOk("docker inspect -f '{{json .Config.Env}}' " + name).contains("\"V=two\""),
          "the host with the problem is left as it was");
      assertEquals("False", condition(k8s.get(name), "Ready"));
      assertEquals("True", condition(k8s.get(name), "Degraded"));
      assertTrue(k8s.events(name, "InvalidSpec").isEmpty(), "the service's spec is fine");

      // the other host goes silent meanwhile: one Warning for each problem, not one per resync
      int hostWarnings = k8s.events("faulty", "Unreachable").size();
      faultyLink.cutNow();
      Await.until(WAIT, () -> "Unreachable".equals(entry(name, "faulty").state), () -> describe(k8s.get(name)));
      Thread.sleep(RESYNC.toMillis() * 3 + SSH_TIMEOUT.toMillis() * 2);
      HostService seen = k8s.get(name);
      assertEquals("Unreachable", entry(name, "faulty").state, describe(seen));
      assertEquals("0/2", seen.getStatus().readyHosts, describe(seen));
      assertEquals(1, k8s.events(name, "Error").size(), String.join("\n", k8s.events(name, "Error")));
      assertEquals(1, k8s.events(name, "Unreachable").size(), String.join("\n", k8s.events(name, "Unreachable")));
      assertEquals(hostWarnings + 1, k8s.events("faulty", "Unreachable").size(), "the Host's own Warning, once: "
          + String.join("\n", k8s.events("faulty", "Unreachable")));
    } finally {
      faultyLink.whole();
      k8s.editHost("healthy", h -> h.getSpec().imagePullSecrets = null);
    }
    k8s.awaitReady(name, WAIT);
    assertTrue(healthy.shOk("docker inspect -f '{{json .Config.Env}}' " + name).contains("\"V=two\""));
    k8s.delete(name);
    awaitGone(name);
  }

  @Test
  void anUpdateOverASlowLinkShowsAsStartingWhileTheOldContainerServes() throws Exception {
    String name = "slow-svc";
    String reg = healthy.registryLink(0);
    try {
      k8s.create(k8s.service(name, reg + "/hostops/demo:v1", "healthy"));
      k8s.awaitReady(name, WAIT);
      String started = healthy.shOk("docker inspect -f '{{.State.StartedAt}}' " + name);
      healthy.sh("docker rmi -f " + reg + "/hostops/demo:v2");
      healthy.registryLink(1);
      k8s.edit(name, e -> e.getSpec().image = reg + "/hostops/demo:v2");
      Await.until(WAIT, () -> "Starting".equals(entry(name, "healthy").state), () -> describe(k8s.get(name)));
      HostService pulling = k8s.get(name);
      String message = entry(name, "healthy").message;
      assertTrue(message.contains("the restart waits for the download of " + reg + "/hostops/demo:v2"), message);
      assertEquals("True", condition(pulling, "Progressing"), describe(pulling));
      assertEquals("False", condition(pulling, "Ready"), describe(pulling));
      assertEquals(started, healthy.shOk("docker inspect -f '{{.State.StartedAt}}' " + name), "the old container serves");
      assertTrue(k8s.events(name, "Applied").stream().anyMatch(m -> m.contains("waits for the download")),
          String.join("\n", k8s.events(name, "Applied")));
      k8s.awaitReady(name, WAIT);
      assertEquals(healthy.shOk("docker image inspect -f '{{.Id}}' " + reg + "/hostops/demo:v2"),
          healthy.shOk("docker inspect -f '{{.Image}}' " + name));
      assertNotEquals(started, healthy.shOk("docker inspect -f '{{.State.StartedAt}}' " + name));
    } finally {
      healthy.registryLink(0);
    }
    k8s.delete(name);
    awaitGone(name);
  }

  @Test
  void aDeletedSecretIsNamedAndTheRunningServiceKeepsItsFiles() throws Exception {
    String name = "sec-svc";
    String value = "s3cr3t-" + Long.toHexString(new Random().nextLong());
    k8s.secret("sec-data", Map.of("token", value));
    HostService s = busybox(name, faulty, "faulty");
    ServiceFile token = new ServiceFile();
    token.name = "token";
    token.mountPath = "/token";
    token.secretRef = new ValueSource("sec-data", "token");
    s.getSpec().files = List.of(token);
    k8s.create(s);
    k8s.awaitReady(name, WAIT);
    String file = faulty.shOk("stat -c %i.%Y /root/" + name + "/token") + " " + faulty.shOk("sha256sum < /root/" + name + "/token");
    String started = faulty.shOk("docker inspect -f '{{.State.StartedAt}}' " + name);

    k8s.client.secrets().inNamespace(NS).withName("sec-data").delete();
    Await.until(WAIT, () -> "False".equals(condition(k8s.get(name), "Ready")), () -> describe(k8s.get(name)));
    HostService seen = k8s.get(name);
    String degraded = seen.getStatus().conditions.stream().filter(c -> "Degraded".equals(c.type)).findFirst()
        .orElseThrow().message;
    assertTrue(degraded.contains("sec-data"), degraded);
    Thread.sleep(RESYNC.toMillis() * 2);
    assertEquals(file, faulty.shOk("stat -c %i.%Y /root/" + name + "/token") + " "
        + faulty.shOk("sha256sum < /root/" + name + "/token"), "the file on the host stays as it was");
    assertEquals(started, faulty.shOk("docker inspect -f '{{.State.StartedAt}}' " + name), "still running, not restarted");
    assertFalse(describe(k8s.get(name)).contains(value), "the secret's value in status");
    assertTrue(k8s.events(name, "InvalidSpec").stream().noneMatch(m -> m.contains(value)));
    int warned = k8s.events(name, "InvalidSpec").size();
    assertEquals(1, warned, String.join("\n", k8s.events(name, "InvalidSpec")));

    long t0 = System.nanoTime();
    k8s.secret("sec-data", Map.of("token", value));
    k8s.awaitReady(name, WAIT);
    double converged = seconds(t0);
    assertEquals(started, faulty.shOk("docker inspect -f '{{.State.StartedAt}}' " + name), "same content: no restart");
    System.out.printf("secret deleted: \"%s\"; recreated -> Ready %.1f s%n", degraded, converged);
    assertNotEquals(null, degraded);

    // the same problem once more, after it was fixed: news again, so a Warning again
    k8s.client.secrets().inNamespace(NS).withName("sec-data").delete();
    Await.until(WAIT, () -> k8s.events(name, "InvalidSpec").size() == 2, () -> describe(k8s.get(name)));
    k8s.secret("sec-data", Map.of("token", value));
    k8s.awaitReady(name, WAIT);
    k8s.delete(name);
    awaitGone(name);
  }
}
