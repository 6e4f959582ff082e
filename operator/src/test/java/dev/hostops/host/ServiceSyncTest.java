package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.testhosts.Fixtures;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Probe, plan and apply against a real host: systemd parses the units, Docker runs the flags. */
class ServiceSyncTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static TestHost host;
  private static HostConnection conn;
  private final ServiceSync sync = new ServiceSync(TIMEOUT);

  @BeforeAll
  static void boot() throws Exception {
    host = HOSTS.boot("sync");
    conn = HostConnection.open(host.ubuntu(), TIMEOUT);
  }

  @AfterAll
  static void close() {
    conn.close();
  }

  static HostService service(String name, String image, List<EnvVar> env, List<String> args) {
    HostService s = Fixtures.service("team", name, image, "h");
    s.getSpec().env = env;
    s.getSpec().args = args;
    return s;
  }

  @Test
  void theIdleHostProbeAsksDockerOnlyWhenTheUnitStartedANewRun() throws Exception {
    RenderedService desired = ServiceRenderer.render(service("same", host.image("hostops/demo:v1"), null, null));
    ServiceSync.Result applied = sync.sync(conn, desired);
    assertTrue(applied.seen().container().isRunning(), applied.seen().container().toString());
    ServiceSync.HostSnapshot first = sync.snapshot(conn, false);
    assertTrue(first.services().get("same").container().isRunning());
    ServiceSync.HostSnapshot idle = sync.snapshot(conn, false);
    assertTrue(idle.output().contains("samecontainer\tsame"), "the unit runs the same run: Docker is not asked");
    assertEquals(first.services().get("same").container(), idle.services().get("same").container());

    // the container is removed behind systemd's back: `docker run` ends, the unit leaves that run, and
    // the next probe asks Docker again and reports what is there now
    host.shOk("docker rm -f same >/dev/null");
    java.util.concurrent.atomic.AtomicReference<ServiceSync.HostSnapshot> now = new java.util.concurrent.atomic.AtomicReference<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    do {
      now.set(sync.snapshot(conn, false));
    } while (now.get().output().contains("samecontainer\tsame") && System.nanoTime() < deadline);
    assertFalse(now.get().output().contains("samecontainer\tsame"), now.get().output());
    ServiceObservation seen = now.get().services().get("same");
    assertFalse(seen.container().isRunning() && seen.container().startedAt()
        .equals(first.services().get("same").container().startedAt()), "not the old container: " + seen.container());
    sync.remove(conn, "same", desired.owner());
  }

  @Test
  void anUpdateDownloadsTheNewImageWhileTheOldContainerStillServes() throws Exception {
    RenderedService v1 = ServiceRenderer.render(service("early", host.image("hostops/demo:v1"), null, null));
    assertTrue(sync.sync(conn, v1).seen().container().isRunning());
    String v2 = host.image("hostops/demo:v2");
    host.sh("docker rmi -f " + v2); // the host has to download it
    String since = host.shOk("date +%s.%N");
    ServiceSync.Result updated = sync.sync(conn, ServiceRenderer.render(service("early", v2, null, null)));
    assertTrue(updated.seen().container().isRunning(), updated.seen().container().toString());
    // Docker's own record of what happened, in order: the download of v2 ended before the old container
    // was stopped (before, the unit's restart stopped it first and then pulled)
    List<String> events = host.shOk("docker events --since " + since + " --until \"$(date +%s.%N)\" --format "
        + "'{{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'").lines().toList();
    int pulledAny = -1;
    int died = -1;
    for (int i = 0; i < events.size(); i++) {
      String e = events.get(i);
      if (pulledAny < 0 && e.startsWith("image pull " + v2 + " ")) {
        pulledAny = i;
      }
      if (died < 0 && e.startsWith("container die ") && e.endsWith(" early")) {
        died = i;
      }
    }
    assertTrue(pulledAny >= 0 && died > pulledAny, "pull of v2, then the old container's end:\n" + String.join("\n", events));
    sync.remove(conn, "early", "team/early");
  }

  /** Probes until the host has restarted the service on its own: nothing left to do, a new container running. */
  private void awaitRestarted(RenderedService desired, String oldStart) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    ServiceObservation seen;
    do {
      Thread.sleep(500);
      seen = sync.probe(conn, desired);
    } while ((seen.restart() != null || !seen.container().isRunning()
        || seen.container().startedAt().equals(oldStart)) && System.nanoTime() < deadline);
    assertNull(seen.restart(), seen.toString());
    assertTrue(seen.container().isRunning(), seen.container().toString());
  }

  @Test
  void anUpdateWhoseDownloadOutlastsTheApplyIsRestartedByTheHostOnceTheImageIsThere() throws Exception {
    String name = "slowpull";
    String reg = host.registryLink(0);
    RenderedService v1 = ServiceRenderer.render(service(name, reg + "/hostops/demo:v1", null, null));
    assertTrue(sync.sync(conn, v1).seen().container().isRunning());
    String oldStart = host.shOk("docker inspect -f '{{.State.StartedAt}}' " + name);
    String v1Id = host.shOk("docker inspect -f '{{.Image}}' " + name);
    try {
      // the new image crawls in at 1 KB/s, each chunk 1.5 s late: longer than the apply waits for it
      host.sh("docker rmi -f " + reg + "/hostops/demo:v2");
      host.registryLink(1);
      RenderedService v2 = ServiceRenderer.render(service(name, reg + "/hostops/demo:v2", null, null));
      String since = host.shOk("date +%s.%N");
      long t0 = System.nanoTime();
      ServiceSync.Result updated = sync.sync(conn, v2);
      double applySeconds = (System.nanoTime() - t0) / 1e9;
      assertEquals(ServiceObservation.Restart.PULLING, updated.seen().restart(), updated.seen().toString());
      assertEquals(oldStart, host.shOk("docker inspect -f '{{.State.StartedAt}}' " + name), "the old container serves");
      assertTrue(applySeconds < 10, "the apply does not wait for the download: " + applySeconds + " s");

      // a reconcile meanwhile changes nothing: the restart is the host's to do
      ServiceSync.Result again = sync.sync(conn, v2);
      assertTrue(again.plan().isNoop(), again.plan().describe());
      assertEquals(ServiceObservation.Restart.PULLING, again.seen().restart());

      // the host restarts the unit once the image is there, and keeps the old one for a rollback
      awaitRestarted(v2, oldStart);
      assertEquals(host.shOk("docker image inspect -f '{{.Id}}' " + reg + "/hostops/demo:v2"),
          host.shOk("docker inspect -f '{{.Image}}' " + name));
      assertEquals(v1Id, host.shOk("docker image inspect -f '{{.Id}}' " + ApplyPlan.previousTag(name)),
          "the image it ran before is kept");
      List<String> events = host.shOk("docker events --since " + since + " --until \"$(date +%s.%N)\" --format "
          + "'{{.Time}} {{.Type}} {{.Action}} {{.Actor.ID}} {{.Actor.Attributes.name}}'").lines().toList();
      long pulled = events.stream().filter(e -> e.contains(" image pull " + reg + "/hostops/demo:v2"))
          .mapToLong(e -> Long.parseLong(e.split(" ")[0])).min().orElse(-1);
      long died = events.stream().filter(e -> e.contains(" container die ") && e.endsWith(" " + name))
          .mapToLong(e -> Long.parseLong(e.split(" ")[0])).min().orElse(-1);
      long start = (long) Double.parseDouble(since);
      assertTrue(pulled >= 0 && died >= pulled, "the download ended, then the old container stopped:\n"
          + String.join("\n", events));
      assertTrue(pulled - start >= 4, "the download outlasted the apply's own wait (" + (pulled - start) + " s)");
      System.out.printf("slow download: apply returned in %.1f s; v2 pulled after %d s; old container stopped %d s "
          + "after the apply began%n", applySeconds, pulled - start, died - start);

      // a restart left to the host whose process is killed before it restarted: the next sync does it
      host.sh("docker rmi -f " + reg + "/hostops/demo:latest");
      RenderedService latest = ServiceRenderer.render(service(name, reg + "/hostops/demo:latest", null, null));
      assertEquals(ServiceObservation.Restart.PULLING, sync.sync(conn, latest).seen().restart());
      String before = host.shOk("docker inspect -f '{{.State.StartedAt}}' " + name);
      host.shOk("kill $(cut -d' ' -f1 /var/lib/hostops/services/" + name + "/restart)");
      ServiceObservation lost = sync.probe(conn, latest);
      assertEquals(ServiceObservation.Restart.LOST, lost.restart(), lost.toString());
      ServiceSync.Result redone = sync.sync(conn, latest);
      assertEquals(List.of(name + ".service"), redone.plan().restart(), redone.plan().describe());
      awaitRestarted(latest, before);
      assertEquals(host.shOk("docker image inspect -f '{{.Id}}' " + reg + "/hostops/demo:latest"),
          host.shOk("docker inspect -f '{{.Image}}' " + name));

      // removed while a restart waits for its download: the waiting process ends, and nothing comes back
      host.sh("docker rmi -f " + reg + "/hostops/demo:broken");
      RenderedService next = ServiceRenderer.render(service(name, reg + "/hostops/demo:broken", null, null));
      assertEquals(ServiceObservation.Restart.PULLING, sync.sync(conn, next).seen().restart());
      String waiting = host.shOk("cut -d' ' -f1 /var/lib/hostops/services/" + name + "/restart");
      assertTrue(sync.remove(conn, name, v1.owner()));
      host.shOk("timeout 5 sh -c 'while kill -0 " + waiting + " 2>/dev/null; do sleep 0.1; done'");
      host.shOk("timeout 60 sh -c 'until docker image inspect " + reg + "/hostops/demo:broken >/dev/null 2>&1; "
          + "do sleep 0.5; done'");
      Thread.sleep(2000);
      assertFalse(host.sh("docker inspect " + name).ok(), "no container came back after the download");
      assertEquals("", host.shOk("ls /etc/systemd/system/" + name + ".service 2>/dev/null; true"));
    } finally {
      host.registryLink(0);
      sync.remove(conn, name, v1.owner());
    }
    assertEquals("", host.shOk("ls /var/lib/hostops/services/" + name + " 2>/dev/null; true"));
  }

  @Test
  void appliesOnceThenDoesNothingThenCorrectsDriftThenRemoves() throws Exception {
    RenderedService desired = ServiceRenderer.render(service("web", host.image("hostops/demo:v1"),
        List.of(new EnvVar("MESSAGE", "first")), null));

    ServiceSync.Result first = sync.sync(conn, desired);
    assertNull(first.plan().refusal());
    assertEquals(List.of("web.service"), first.plan().restart());
    assertTrue(first.seen().unit().isActive(), first.seen().unit().summary());
    assertTrue(first.seen().container().isRunning());
    assertEquals("active", host.shOk("systemctl is-active web"));
    assertEquals("enabled", host.shOk("systemctl is-enabled web"));
    String digest = host.shOk("docker image inspect -f '{{index .RepoDigests 0}}' " + host.image("hostops/demo:v1"));
    assertTrue(first.seen().container().repoDigests().contains(digest), first.seen().container().toString());

    String mtime = host.shOk("stat -c %Y.%Z /etc/systemd/system/web.service");
    String started = host.shOk("docker inspect -f '{{.State.StartedAt}}' web");
    ServiceSync.Result second = sync.sync(conn, desired);
    assertTrue(second.plan().isNoop(), second.plan().describe());
    assertEquals(1, second.roundTrips());
    assertEquals(mtime, host.shOk("stat -c %Y.%Z /etc/systemd/system/web.service"), "unit not rewritten");
    assertEquals(started, host.shOk("docker inspect -f '{{.State.StartedAt}}' web"), "container not restarted");

    // drift by hand: unit edited and service stopped
    host.shOk("sed -i 's/MESSAGE=first/MESSAGE=tampered/' /etc/systemd/system/web.service && systemctl daemon-reload"
        + " && systemctl stop web");
    ServiceSync.Result healed = sync.sync(conn, desired);
    assertEquals(1, healed.plan().writes().size());
    assertTrue(healed.seen().container().isRunning());
    assertTrue(host.shOk("docker inspect -f '{{json .Config.Env}}' web").contains("\"MESSAGE=first\""));

    // container removed by hand: systemd's Restart=on-failure or hostops brings it back
    host.shOk("docker rm -f web");
    awaitTrue(() -> {
      sync.sync(conn, desired);
      return host.sh("docker inspect -f '{{.State.Running}}' web").stdout().strip().equals("true");
    });

    assertTrue(sync.remove(conn, "web", "team/web"));
    assertFalse(host.sh("test -e /etc/systemd/system/web.service").ok());
    assertFalse(host.sh("docker inspect web").ok(), "container removed");
    assertEquals("inactive", host.sh("systemctl is-active web").stdout().strip());
    assertFalse(host.sh("test -e /var/lib/hostops/services/web").ok());
  }

  @Test
  void hostileValuesReachTheContainerVerbatimAndAreNeverExecuted() throws Exception {
    List<String> hostile = List.of(
        "plain", "two words", "quote\"double", "quote'single", "back\\slash", "percent %n %H %%", "dollar $HOME ${PATH} $$",
        "semi; touch /tmp/pwned-semi", "$(touch /tmp/pwned-subst)", "`touch /tmp/pwned-tick`", "new\nline", "tab\there",
        "trailing backslash\\", "", " leading space", "-e X=1", "unicode ✓ é");
    List<EnvVar> env = new ArrayList<>();
    for (int i = 0; i < hostile.size(); i++) {
      env.add(new EnvVar("V" + i, hostile.get(i)));
    }
    List<String> args = new ArrayList<>(List.of("sh", "-c", "sleep 300", "--"));
    args.addAll(hostile);
    RenderedService desired = ServiceRenderer.render(service("hostile", host.image("hostops/busybox:latest"), env, args));
    ServiceSync.Result r = sync.sync(conn, desired);
    assertTrue(r.seen().container().isRunning(), r.seen().unit().summary());

    for (int i = 0; i < hostile.size(); i++) {
      String inside = host.shOk("docker exec hostile sh -c 'printf \"%s\\n\" \"$V" + i + "\"' | od -An -c | tr -s ' '");
      String expected = new String(host.shOk("printf '%s\\n' " + ShellQuoting.quote(hostile.get(i))
          + " | od -An -c | tr -s ' '"));
      assertEquals(expected, inside, "V" + i + " = " + hostile.get(i));
    }
    String cmd = host.shOk("docker inspect -f '{{json .Config.Cmd}}' hostile");
    assertEquals(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(args), cmd,
        "arguments arrive as typed");
    assertFalse(host.sh("ls /tmp/pwned-* 2>/dev/null").ok() && !host.shOk("ls /tmp/pwned-* 2>/dev/null").isEmpty(),
        "nothing was executed on the host");
    assertNotNull(sync.remove(conn, "hostile", "team/hostile"));
  }

  @Test
  void refusesAUnitItDidNotWriteAndOneOwnedByAnotherResource() throws Exception {
    host.shOk("printf '[Service]\\nExecStart=/bin/sleep 1000\\n' > /etc/systemd/system/handmade.service");
    RenderedService desired = ServiceRenderer.render(service("handmade", host.image("hostops/demo:v1"), null, null));
    ServiceSync.Result r = sync.sync(conn, desired);
    assertNotNull(r.plan().refusal());
    assertTrue(r.plan().refusal().contains("not written by hostops"), r.plan().refusal());
    assertEquals("[Service]\nExecStart=/bin/sleep 1000", host.shOk("cat /etc/systemd/system/handmade.service"));

    HostService mine = service("shared", host.image("hostops/demo:v1"), null, null);
    assertNull(sync.sync(conn, ServiceRenderer.render(mine)).plan().refusal());
    HostService theirs = service("shared", host.image("hostops/demo:v2"), null, null);
    theirs.getMetadata().setNamespace("other-team");
    ServiceSync.Result clash = sync.sync(conn, ServiceRenderer.render(theirs));
    assertTrue(clash.plan().refusal().contains("belongs to HostService team/shared"), clash.plan().refusal());
    assertFalse(sync.remove(conn, "shared", "other-team/shared"), "another owner cannot remove it");
    assertTrue(sync.remove(conn, "shared", "team/shared"));
  }

  @Test
  void writesNothingThroughASymlinkedServiceDirectory() throws Exception {
    host.shOk("mkdir -p /tmp/elsewhere && ln -sfn /tmp/elsewhere /root/linked");
    HostService s = service("linked", host.image("hostops/demo:v1"), null, null);
    dev.hostops.api.ServiceFile f = new dev.hostops.api.ServiceFile();
    f.name = "config.txt";
    f.content = "x";
    s.getSpec().files = List.of(f);
    ServiceSync.Result r = sync.sync(conn, ServiceRenderer.render(s));
    assertTrue(r.plan().refusal().contains("/root/linked is not a plain directory"), r.plan().refusal());
    assertEquals("", host.shOk("ls /tmp/elsewhere"));
    assertFalse(host.sh("test -e /etc/systemd/system/linked.service").ok());
  }

  interface Check {
    boolean ok() throws Exception;
  }

  static void awaitTrue(Check check) throws Exception {
    for (int i = 0; i < 40; i++) {
      if (check.ok()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("condition not reached in 20 s");
  }
}
