package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.ServiceFile;
import dev.hostops.render.HostFile;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.ssh.HostException;
import dev.hostops.testhosts.NetworkLink;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The link to a real host cut part-way through an apply that carries a 240 KB file, at many points
 * from the SSH handshake to the last byte (Toxiproxy's {@code limit_data}: N bytes forwarded, then both
 * sides closed). After
 * each cut every managed file is wholly old or wholly new, a cut before the script has wholly
 * arrived changes nothing, no temp file survives the next probe, and over a whole link the
 * service converges.
 */
class CutConnectionTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final Duration CUT_TIMEOUT = Duration.ofSeconds(20);
  private static final String NAME = "bigfile";
  private static TestHost host;
  private static NetworkLink proxy;
  private static HostConnection direct;

  @BeforeAll
  static void boot() throws Exception {
    host = HOSTS.boot("cut");
    proxy = host.behind(NetworkLink.Profile.DIRECT);
    direct = HostConnection.open(host.ubuntu(), TIMEOUT);
    host.shOk("docker pull -q " + host.image("hostops/busybox:latest"));
  }

  @AfterAll
  static void close() throws Exception {
    direct.close();
    proxy.close();
  }

  /** Version {@code v}: a unit whose env differs, and a 240 KB config file of incompressible text. */
  static RenderedService version(int v) {
    HostService s = new HostService();
    s.setMetadata(new ObjectMetaBuilder().withName(NAME).withNamespace("team").build());
    s.setSpec(new HostServiceSpec());
    s.getSpec().image = host.image("hostops/busybox:latest");
    s.getSpec().pull = "Never";
    s.getSpec().hosts = List.of("h");
    s.getSpec().env = List.of(new EnvVar("VERSION", "v" + v));
    s.getSpec().args = List.of("sh", "-c", "sleep 3600");
    ServiceFile big = new ServiceFile();
    big.name = "data.txt";
    big.mountPath = "/data.txt";
    Random random = new Random(v);
    StringBuilder content = new StringBuilder();
    while (content.length() < 240_000) {
      content.append(Long.toString(random.nextLong(), 36)).append(content.length() % 100 < 12 ? '\n' : ' ');
    }
    big.content = content.toString();
    ServiceFile small = new ServiceFile();
    small.name = "small.conf";
    small.content = "version=" + v + "\n";
    s.getSpec().files = List.of(big, small);
    return ServiceRenderer.render(s);
  }

  private static Map<String, String> onHost(RenderedService r) {
    return host.fileHashes(r);
  }

  private static Map<String, String> expected(RenderedService r) {
    return TestHost.renderedHashes(r);
  }

  /**
   * Waits (bounded) until no hostops script runs on the host: one that arrived whole runs on after a cut. (An
   * idle session of jobs, {@code sh PROGRAM serve}, is not a script running.)
   */
  private static void awaitNoScriptRunning() throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(40).toNanos();
    while (host.sh("pgrep -f '^/bin/sh -c (umask 077|p=/var/lib/hostops)|^sh /var/lib/hostops/program/[0-9a-f]+[.]sh (run|[a-z]+ /run/)'").ok()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("a hostops script still runs on the host: " + host.sh("ps -ef").stdout());
      }
      Thread.sleep(100);
    }
  }

  private static String tempFiles() {
    return host.shOk("find /etc/systemd/system /root/" + NAME + " /run/hostops -maxdepth 1 -name '.hostops.*' -o "
        + "-maxdepth 1 -path '/run/hostops/*' ! -name 'lock*' | sort"); // the host's lock stays
  }

  @Test
  void everyCutLeavesEachFileWhollyOldOrWhollyNewAndTheServiceConvergesOnceTheLinkIsWhole() throws Exception {
    long started = System.nanoTime();
    RenderedService old = version(1);
    RenderedService next = version(2);
    ServiceSync resets = new ServiceSync(TIMEOUT);
    assertTrue(resets.sync(direct, old).seen().container().isRunning());
    assertEquals(expected(old), onHost(old));

    // calibration over a whole link: where the handshake, the probe and the apply end (Toxiproxy counts a
    // connection's bytes when it ends: each is cut right there, before the client's goodbye)
    long handshake;
    long probed;
    long applied;
    proxy.whole();
    try (HostConnection c = HostConnection.open(host.through(proxy.port(), "ubuntu"), TIMEOUT)) {
      proxy.cutNow();
      handshake = proxy.forwarded();
    }
    proxy.whole();
    try (HostConnection c = HostConnection.open(host.through(proxy.port(), "ubuntu"), TIMEOUT)) {
      new ServiceSync(TIMEOUT).probe(c, next);
      proxy.cutNow();
      probed = proxy.forwarded();
    }
    proxy.whole();
    try (HostConnection c = HostConnection.open(host.through(proxy.port(), "ubuntu"), TIMEOUT)) {
      ServiceSync sync = new ServiceSync(TIMEOUT);
      ServiceObservation seen = sync.probe(c, next);
      sync.apply(c, next, ApplyPlanner.plan(next, seen));
      proxy.cutNow();
      applied = proxy.forwarded();
    }
    assertEquals(expected(next), onHost(next));
    long apply = applied - probed;
    assertTrue(apply > 300_000, "the apply carries the big file: " + apply + " bytes");

    List<Long> cuts = new ArrayList<>(List.of(1L, handshake / 2, handshake - 20, handshake + 60,
        (handshake + probed) / 2, probed + 40, probed + 600, probed + 1200));
    for (double f : new double[] {0.05, 0.25, 0.5, 0.75, 0.9}) {
      cuts.add(probed + (long) (apply * f));
    }
    cuts.addAll(List.of(applied - 400, applied - 120, applied - 40, applied - 1));
    long surelyIncomplete = probed + (long) (apply * 0.95);

    StringBuilder report = new StringBuilder();
    for (long n : cuts) {
      resets.sync(direct, old);
      assertEquals(expected(old), onHost(old), "reset before cut at " + n);
      proxy.cutAfter(n);
      String outcome = "completed";
      try (HostConnection c = HostConnection.open(host.through(proxy.port(), "ubuntu"), CUT_TIMEOUT)) {
        new ServiceSync(CUT_TIMEOUT).sync(c, next);
      } catch (HostException e) {
        outcome = e.getMessage();
      }
      assertTrue(!outcome.contains("refused"), "a cut link is not a refusal: " + outcome);
      awaitNoScriptRunning();
      Map<String, String> seen = onHost(old);
      for (HostFile f : old.files()) {
        String sha = seen.get(f.path());
        String newSha = expected(next).get(f.path());
        assertTrue(sha.equals(f.sha256()) || sha.equals(newSha), "cut after " + n + " bytes: " + f.path()
            + " is neither old nor new (" + sha + "); " + outcome);
      }
      boolean allOld = seen.equals(expected(old));
      boolean allNew = seen.equals(expected(next));
      if (n < surelyIncomplete) {
        assertTrue(allOld, "cut after " + n + " bytes, before the script wholly arrived, changed files: " + seen);
      }
      resets.probe(direct, next);
      assertEquals("", tempFiles(), "no temp file after the next probe (cut after " + n + " bytes)");
      report.append(String.format("  cut after %7d bytes: %-9s %s%n", n, allOld ? "old" : allNew ? "new" : "mixed",
          outcome.length() > 90 ? outcome.substring(0, 90) : outcome));
    }
    // cut while the script runs: it arrived whole and was checked, so it runs to its end on the host
    resets.sync(direct, old);
    proxy.whole();
    java.util.concurrent.CompletableFuture<String> running = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
      try (HostConnection c = HostConnection.open(host.through(proxy.port(), "ubuntu"), CUT_TIMEOUT)) {
        new ServiceSync(CUT_TIMEOUT).sync(c, next);
        return "completed";
      } catch (HostException e) {
        return e.getMessage();
      }
    });
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!host.sh("pgrep -f '^sh /var/lib/hostops/program/[0-9a-f]+[.]sh [a-z]+ /run/hostops/manifest[.]' && test -e /root/" + NAME + "/small.conf"
        + " && grep -q version=2 /root/" + NAME + "/small.conf").ok()) {
      assertTrue(System.nanoTime() < deadline && !running.isDone(), "the apply never ran: " + running.getNow("?"));
      Thread.sleep(20);
    }
    proxy.cutNow();
    String outcome = running.get(30, java.util.concurrent.TimeUnit.SECONDS);
    awaitNoScriptRunning();
    assertEquals(expected(next), onHost(next), "a script that arrived whole runs to its end: " + outcome);
    resets.probe(direct, next);
    assertEquals("", tempFiles());
    report.append(String.format("  cut while it ran:       new       %s%n", outcome));

    System.out.printf("%nhandshake %d, probe to %d, apply to %d bytes; %d cuts in %d s%n%s", handshake, probed,
        applied, cuts.size(), (System.nanoTime() - started) / 1_000_000_000, report);

    // the link is whole again: the service converges (a restart the last cut left queued may still run)
    ServiceSync converging = new ServiceSync(TIMEOUT);
    long until = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    ServiceSync.Result done = converging.sync(direct, next);
    while (!(done.plan().isNoop() && done.seen().unit().isActive() && done.seen().container().isRunning())) {
      assertTrue(System.nanoTime() < until, "not converged in 60 s: " + done.plan().describe() + "; "
          + done.seen().unit().summary());
      Thread.sleep(200);
      done = converging.sync(direct, next);
    }
    assertEquals(expected(next), onHost(next));
    assertEquals("active", host.sh("systemctl is-active " + NAME).stdout().strip());
    assertTrue(host.shOk("docker inspect -f '{{json .Config.Env}}' " + NAME).contains("VERSION=v2"));
    assertEquals("", tempFiles());
  }
}
