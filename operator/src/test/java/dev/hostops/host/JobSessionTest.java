package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.SshTarget;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The session of many jobs on a real host, as root and through sudo: once the program is on the host, jobs
 * go over one SSH session kept open (sshd's own log shows no new channel per job), with the command's
 * promises: a manifest that arrived short or cannot be stored runs nothing, a program changed on the host is
 * never run, a session that ended (its shell killed) costs no job, and two jobs at once both run.
 */
class JobSessionTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static TestHost host;

  @BeforeAll
  static void boot() throws InterruptedException {
    host = HOSTS.boot("jobs");
    // sshd logs each channel it opens at DEBUG1 ("server_input_channel_open: ctype session")
    host.shOk("echo 'LogLevel DEBUG1' > /etc/ssh/sshd_config.d/debug.conf && systemctl reload ssh");
    // sshd resets connections while it reloads: wait until it takes one again
    long end = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try (HostConnection c = HostConnection.open(host.root(), TIMEOUT)) {
        break;
      } catch (HostUnreachableException e) {
        if (System.nanoTime() > end) {
          throw new AssertionError("sshd did not come back after its reload: " + e.getMessage());
        }
        Thread.sleep(100);
      }
    }
  }

  private static List<SshTarget> users() {
    return List.of(host.root(), host.ubuntu());
  }

  /** Waits (at most 10 s) until the connection's session of jobs is up. */
  static void awaitServing(HostConnection c) throws InterruptedException {
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!c.serving()) {
      assertTrue(System.nanoTime() < end, "the session of jobs did not start within 10 s");
      Thread.sleep(20);
    }
  }

  private static int channelsOpened() {
    return Integer.parseInt(host.shOk("journalctl -q -u ssh -o cat | grep -c 'server_input_channel_open: ctype session'"
        + " || true").strip());
  }

  private static int servers() {
    return Integer.parseInt(host.shOk("pgrep -c -f '^sh /var/lib/hostops/program/[0-9a-f]+[.]sh serve( |$)' || true").strip());
  }

  @Test
  void jobsGoOverOneSessionOnceTheProgramIsThereAndAnswerAsCommandsDo() throws Exception {
    for (SshTarget user : users()) {
      try (HostConnection c = HostConnection.open(user, TIMEOUT)) {
        ExecResult asCommand = c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT);
        assertEquals(0, asCommand.exitCode(), asCommand.stderr());
        awaitServing(c);
        assertEquals(1, servers(), "one session of jobs for the connection");
        int channels = channelsOpened();
        for (int i = 0; i < 10; i++) {
          ExecResult served = c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT);
          assertEquals(asCommand, served, "a job over the session answers as the command did");
        }
        assertEquals(channels, channelsOpened(), "ten jobs opened no SSH channel");
        // a job's failure comes back as it is: its exit status and its error output
        ExecResult bad = c.run(HostProgram.Job.PROBE, new Manifest().add("nonsense", "x"), TIMEOUT);
        assertTrue(bad.exitCode() != 0 && bad.stderr().contains("nonsense"), bad.toString());
        assertTrue(c.serving(), "a job that failed leaves the session up");
      }
      long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (servers() != 0 && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      assertEquals(0, servers(), "closing the connection ends its session of jobs on the host");
    }
    assertEquals("", host.shOk("ls -A /run/hostops | grep -v '^lock' || true"), "temp files removed");
  }

  @Test
  void aManifestThatArrivedShortOrCannotBeStoredRunsNothingAndTheNextJobRuns() throws Exception {
    for (SshTarget user : users()) {
      String dir = "/root/short-" + user.user();
      Manifest m = new Manifest().add("dir", dir, "0700").add("owner", "short", "team/short")
          .addWithContent("write", List.of(dir + "/big", "0600", "100000", "177", "replace"), new byte[100_000]);
      int total = m.bytes().length;
      try (HostConnection c = HostConnection.open(user, TIMEOUT)) {
        c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT);
        for (int sent : List.of(0, 30, total / 2, total - 1)) {
          awaitServing(c);
          String serving = host.shOk("pgrep -f '^sh /var/lib/hostops/program/[0-9a-f]+[.]sh serve( |$)' || true");
          HostUnreachableException e = assertThrows(HostUnreachableException.class,
              () -> c.run(HostProgram.Job.APPLY, m, sent, TIMEOUT));
          assertEquals("script sent to " + c.target().display() + " arrived incomplete: " + sent + " of " + total
              + " bytes; nothing of it was run", e.getMessage());
          // the session ends after a short manifest (what follows cannot be trusted); a new one may start
          long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
          for (String pid : serving.split("\\s+")) {
            while (!pid.isEmpty() && host.sh("kill -0 " + pid).ok()) {
              assertTrue(System.nanoTime() < end, "the session's shell " + pid + " still runs");
              Thread.sleep(50);
            }
          }
          assertEquals(0, c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).exitCode(), "the next job runs");
        }
        assertFalse(host.sh("test -e " + dir).ok(), "no record of it was carried out");

        host.shOk("mkdir -p -m 700 /run/hostops && mount -t tmpfs -o size=64k,mode=700 tmpfs /run/hostops");
        try {
          awaitServing(c);
          HostUnreachableException e = assertThrows(HostUnreachableException.class,
              () -> c.run(HostProgram.Job.APPLY, m, TIMEOUT));
          assertTrue(e.getMessage().startsWith("cannot store the script in /run/hostops on " + c.target().display())
              && e.getMessage().contains("No space left on device")
              && e.getMessage().endsWith("; nothing of it was run"), e.getMessage());
          assertFalse(host.sh("test -e " + dir).ok(), "no record of it was carried out");
          assertEquals("", host.shOk("ls -A /run/hostops | grep -v '^lock' || true"), "the partial copy removed");
        } finally {
          host.sh("umount /run/hostops");
        }
        assertEquals(0, c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).exitCode(), "the next job runs");
        awaitServing(c);
        assertEquals(0, c.run(HostProgram.Job.APPLY, m, TIMEOUT).exitCode(), "whole, it runs over the session");
        assertEquals("600 100000", host.shOk("stat -c '%a %s' " + dir + "/big"));
        host.shOk("rm -rf " + dir + " /var/lib/hostops/services/short");
      }
    }
  }

  @Test
  void aProgramChangedOnTheHostIsNeverRunAndIsSentAgain() throws Exception {
    String installed = "/var/lib/hostops/program/" + HostProgram.sha256() + ".sh";
    for (SshTarget user : users()) {
      try (HostConnection c = HostConnection.open(user, TIMEOUT)) {
        String facts = c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout();
        awaitServing(c);
        String mark = "/tmp/tampered-" + user.user();
        host.shOk("printf 'touch " + mark + "\\n' | cat - " + installed + " > /tmp/p && cat /tmp/p > " + installed);
        assertEquals(facts, c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout());
        assertFalse(host.sh("test -e " + mark).ok(), "the changed program did not run");
        assertEquals(HostProgram.sha256() + "  " + installed, host.shOk("sha256sum " + installed), "sent again");

        awaitServing(c);
        host.shOk("rm -rf /var/lib/hostops/program");
        assertEquals(facts, c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout(), "a program gone is sent");
        awaitServing(c);
        assertEquals(facts, c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout());
      }
    }
  }

  @Test
  void aSessionWhoseShellWasKilledCostsNoJobAndStartsAgain() throws Exception {
    for (SshTarget user : users()) {
      try (HostConnection c = HostConnection.open(user, TIMEOUT)) {
        String facts = c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout();
        awaitServing(c);
        host.shOk("pkill -KILL -f '^sh /var/lib/hostops/program/[0-9a-f]+[.]sh serve( |$)'");
        Thread.sleep(200); // the channel's end reaches hostops
        assertEquals(facts, c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout(), "the job ran as a command");
        awaitServing(c);
        assertEquals(facts, c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout());
      }
    }
  }

  @Test
  void aLinkCutWhileTheManifestTravelsOverTheSessionRunsNothing() throws Exception {
    String dir = "/root/cut-jobs";
    Manifest m = new Manifest().add("dir", dir, "0700").add("owner", "cutjobs", "team/cutjobs")
        .addWithContent("write", List.of(dir + "/big", "0600", "100000", "177", "replace"), new byte[100_000]);
    int total = m.bytes().length;
    try (dev.hostops.testhosts.NetworkLink link = host.behind(dev.hostops.testhosts.NetworkLink.Profile.DIRECT)) {
      for (int cut : List.of(40, total / 2, total - 2_000)) {
        link.whole();
        try (HostConnection c = HostConnection.open(host.through(link.port(), "ubuntu"), Duration.ofSeconds(5))) {
          c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT);
          awaitServing(c);
          link.cutAfter(cut);
          assertThrows(HostUnreachableException.class, () -> c.run(HostProgram.Job.APPLY, m, TIMEOUT),
              "cut after " + cut + " of " + total + " bytes");
        }
        Thread.sleep(300);
        assertFalse(host.sh("test -e " + dir).ok(), "cut after " + cut + " bytes: nothing of the job ran");
        assertFalse(host.sh("test -e /var/lib/hostops/services/cutjobs").ok(), "cut after " + cut + " bytes");
      }
      link.whole();
      try (HostConnection c = HostConnection.open(host.through(link.port(), "ubuntu"), TIMEOUT)) {
        c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT);
        awaitServing(c);
        assertEquals(0, c.run(HostProgram.Job.APPLY, m, TIMEOUT).exitCode(), "whole, it runs over the session");
      }
      assertEquals("600 100000", host.shOk("stat -c '%a %s' " + dir + "/big"));
      host.shOk("rm -rf " + dir + " /var/lib/hostops/services/cutjobs");
    }
    assertEquals("", host.shOk("ls -A /run/hostops | grep -v '^lock' || true"), "temp files removed");
  }

  @Test
  void twoJobsAtOnceOnOneConnectionBothRun() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try (HostConnection c = HostConnection.open(host.ubuntu(), TIMEOUT)) {
      String facts = c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout();
      awaitServing(c);
      List<Callable<String>> jobs = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        jobs.add(() -> c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout());
      }
      for (Future<String> f : pool.invokeAll(jobs)) {
        assertEquals(facts, f.get());
      }
      assertTrue(c.serving());
    } finally {
      pool.shutdownNow();
    }
  }
}
