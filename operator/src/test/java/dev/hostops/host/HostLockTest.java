package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.ssh.ExecResult;
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
 * One job at a time on a host, whoever sends it: the host program's lock (flock on /run/hostops/lock) on a
 * real host. Another process holding it makes a job wait, at most 10 s, and then fail naming the holder
 * and since when, with nothing run; a holder killed with SIGKILL frees the host at once (the kernel drops
 * its lock); jobs of two connections at once all run. Each job is a line in the host's jobs log as it starts and
 * ends, and a job that finds another holder was there before it tells the connection so.
 */
class HostLockTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static TestHost host;

  @BeforeAll
  static void boot() {
    host = HOSTS.boot("lock");
    // what another hostops process looks like to the lock: it holds it, then sleeps
    host.shOk("mkdir -p -m 700 /run/hostops && printf '%s\\n' '#!/bin/sh' 'exec 9>>/run/hostops/lock' 'flock 9'"
        + " 'echo \"$1\" >/run/hostops/lock.holder' 'exec sleep \"$2\"' >/usr/local/bin/hold-lock"
        + " && chmod 755 /usr/local/bin/hold-lock");
  }

  /** Starts another holder of the lock for {@code seconds}, and waits until it holds it. */
  private static void holdFor(String who, int seconds) throws InterruptedException {
    host.shOk("setsid hold-lock " + who + " " + seconds + " >/dev/null 2>&1 </dev/null &");
    long end = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (!host.sh("grep -qx " + who + " /run/hostops/lock.holder").ok()) {
      assertTrue(System.nanoTime() < end, "the holder did not take the lock");
      Thread.sleep(20);
    }
  }

  @Test
  void aHeldHostMakesAJobWaitThenFailNamingTheHolderWithNothingRun() throws Exception {
    for (SshTarget user : List.of(host.root(), host.ubuntu())) {
      String dir = "/root/locked-" + user.user();
      Manifest apply = new Manifest().add("dir", dir, "0700");
      for (boolean session : List.of(false, true)) {
        try (HostConnection c = HostConnection.open(user, TIMEOUT)) {
          if (session) {
            c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT);
            JobSessionTest.awaitServing(c);
          }
          holdFor("other-shard:4242", 40);
          long start = System.nanoTime();
          HostBusyException e = assertThrows(HostBusyException.class, () -> c.run(HostProgram.Job.APPLY, apply, TIMEOUT));
          long waited = (System.nanoTime() - start) / 1_000_000;
          assertTrue(waited >= 9_500 && waited < 20_000, "waited " + waited + " ms, the bound is 10 s");
          assertTrue(e.getMessage().matches(java.util.regex.Pattern.quote(user.display() + " is busy: other-shard:4242 has"
              + " held it since ") + "20\\d\\d-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(another hostops process acts"
              + " there; waited 10 s; nothing was run\\)"), e.getMessage());
          assertFalse(host.sh("test -e " + dir).ok(), "nothing of the job ran");
          if (session) {
            assertTrue(c.serving(), "a busy host leaves the session of jobs up");
          }
          // the holder dies: the kernel frees the lock, and the next job runs at once
          host.shOk("pkill -KILL -f '^sleep 40$'");
          start = System.nanoTime();
          assertEquals(0, c.run(HostProgram.Job.APPLY, apply, TIMEOUT).exitCode());
          assertTrue((System.nanoTime() - start) / 1_000_000 < 5_000, "ran without waiting for a timer");
          assertTrue(host.sh("test -d " + dir).ok());
          assertEquals(LockHolder.who(), host.shOk("cat /run/hostops/lock.holder"), "the holder is named");
          host.shOk("rm -rf " + dir);
        }
      }
    }
  }

  @Test
  void aJobWaitsForAShortHoldThenRuns() throws Exception {
    try (HostConnection c = HostConnection.open(host.ubuntu(), TIMEOUT)) {
      holdFor("import-cli:7", 3);
      long start = System.nanoTime();
      assertEquals(0, c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).exitCode());
      long took = (System.nanoTime() - start) / 1_000_000;
      assertTrue(took >= 1_500, "the job waited for the holder: " + took + " ms");
    }
  }

  @Test
  void eachJobIsLoggedAndTheLockPreviousHolderIsToldNotShownAsAnError() throws Exception {
    try (HostConnection c = HostConnection.open(host.root(), TIMEOUT)) {
      List<String> previous = new java.util.concurrent.CopyOnWriteArrayList<>();
      c.onJob(p -> previous.add(String.valueOf(p)));
      c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT);
      holdFor("other-shard:4243", 1);
      Thread.sleep(1500);
      // near the end of a log: the next job begins a new one, the old kept as lock.log.1
      host.shOk("echo 7999 >/run/hostops/lock.seq");
      ExecResult r = c.run(HostProgram.Job.INSPECT, new Manifest(), TIMEOUT);
      assertEquals("", r.stderr(), "the previous holder's line is taken off the job's error output");
      c.run(HostProgram.Job.INSPECT, new Manifest(), TIMEOUT);
      assertEquals(List.of("other-shard:4243", "null"), previous.subList(previous.size() - 2, previous.size()));
      List<String> log = host.shOk("cat /run/hostops/lock.log").lines().toList();
      assertTrue(log.get(0).matches("# jobs run under the lock: start SEQ UPTIME WHO JOB, end SEQ UPTIME WHO JOB EXIT;"
          + " UPTIME \\(seconds since boot\\) [0-9.]+ was 20\\d\\d-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC"), log.get(0));
      String who = LockHolder.who();
      assertTrue(log.get(1).matches("start 8000 [0-9.]+ " + java.util.regex.Pattern.quote(who) + " inspect"), log.get(1));
      assertTrue(log.get(2).matches("end 8000 [0-9.]+ " + java.util.regex.Pattern.quote(who) + " inspect 0"), log.get(2));
      assertTrue(log.get(3).startsWith("start 8001 "), log.get(3));
      assertTrue(host.shOk("tail -n 1 /run/hostops/lock.log.1").matches("end [0-9]+ [0-9.]+ "
          + java.util.regex.Pattern.quote(who) + " facts 0"), "the log before is kept as lock.log.1");
    }
  }

  @Test
  void anotherProcessBetweenTwoJobsOfThisOneIsRememberedAPredecessorOrAPersonsCommandIsNot() throws Exception {
    try (HostSessions sessions = new HostSessions(TIMEOUT)) {
      HostSessions.Work<ExecResult> facts = c -> c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT);
      holdFor("old-leader:11", 1);
      Thread.sleep(1500);
      sessions.with("team/vm", host.root(), facts);
      assertEquals(null, sessions.otherProcess("team/vm"), "this process's first job finds its predecessor: no conflict");
      holdFor("laptop:12/import", 1);
      Thread.sleep(1500);
      sessions.with("team/vm", host.root(), facts);
      assertEquals(null, sessions.otherProcess("team/vm"), "a person's import is not another operator");
      holdFor("other-shard:13", 1);
      Thread.sleep(1500);
      sessions.with("team/vm", host.root(), facts);
      OtherProcess seen = sessions.otherProcess("team/vm");
      assertEquals("other-shard:13", seen == null ? null : seen.who());
      sessions.with("team/vm", host.root(), facts);
      assertEquals(seen, sessions.otherProcess("team/vm"), "kept, with when it was last seen");
    }
  }

  @Test
  void jobsOfTwoConnectionsAtOnceAllRunOneAtATime() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try (HostConnection a = HostConnection.open(host.root(), TIMEOUT);
         HostConnection b = HostConnection.open(host.ubuntu(), TIMEOUT)) {
      String facts = a.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout();
      b.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT);
      // two processes' worth of connections, each with its session of jobs and its commands, at once
      List<Callable<String>> jobs = new ArrayList<>();
      for (int i = 0; i < 12; i++) {
        HostConnection c = i % 2 == 0 ? a : b;
        jobs.add(() -> c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT).stdout());
      }
      for (Future<String> f : pool.invokeAll(jobs)) {
        assertEquals(facts, f.get());
      }
      assertEquals("", host.shOk("ls -A /run/hostops | grep -v '^lock' || true"), "temp files removed");
    } finally {
      pool.shutdownNow();
    }
  }
}
