package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The verified transfer on a real host, as root and through sudo: a script runs only when all of it
 * arrived, its exit status and output come back, and its temp file never stays behind. Also: the
 * probe removes temp files an interrupted apply left, and nothing else.
 */
class ScriptTransferTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static TestHost host;
  private static HostConnection root;
  private static HostConnection sudo;

  @BeforeAll
  static void boot() throws Exception {
    host = HOSTS.boot("transfer");
    root = HostConnection.open(host.root(), TIMEOUT);
    sudo = HostConnection.open(host.ubuntu(), TIMEOUT);
  }

  @AfterAll
  static void close() {
    root.close();
    sudo.close();
  }

  /** A script that leaves a mark when any of it runs, with 100 KB of comment after the first line. */
  private static String marking(String mark) {
    return "touch " + mark + "\n# " + "x".repeat(100_000) + "\necho ran; echo to-stderr >&2; exit 7\n";
  }

  @Test
  void runsAWholeScriptAndReturnsItsOutputAndExitStatus() throws Exception {
    for (HostConnection c : List.of(root, sudo)) {
      String mark = "/tmp/whole-" + c.target().user();
      ExecResult r = c.run(marking(mark), TIMEOUT);
      assertEquals(7, r.exitCode());
      assertEquals("ran\n", r.stdout());
      assertEquals("to-stderr\n", r.stderr());
      assertTrue(host.sh("test -f " + mark).ok());
      assertEquals("0", c.run("id -u", TIMEOUT).stdout().strip(), "runs as root");
      assertEquals("", c.run("cat", TIMEOUT).stdout(), "the script's stdin is empty, not the channel");
      assertEquals(0, c.run("", TIMEOUT).exitCode());
    }
    assertEquals("", host.shOk("ls -A /run/hostops | grep -v '^lock' || true"), "temp scripts removed");
    assertEquals("700", host.shOk("stat -c %a /run/hostops"));
  }

  @Test
  void runsNothingOfAScriptThatArrivedIncomplete() {
    for (HostConnection c : List.of(root, sudo)) {
      String script = marking("/tmp/partial-" + c.target().user());
      int total = script.length();
      for (int sent : List.of(0, 1, 30, total / 2, total - 1)) {
        HostUnreachableException e = assertThrows(HostUnreachableException.class, () -> c.run(script, sent, TIMEOUT));
        assertEquals("script sent to " + c.target().display() + " arrived incomplete: " + sent + " of " + total
            + " bytes; nothing of it was run", e.getMessage());
      }
      assertFalse(host.sh("test -e /tmp/partial-" + c.target().user()).ok(), "no line of it ran");
    }
    assertEquals("", host.shOk("ls -A /run/hostops | grep -v '^lock' || true"), "temp scripts removed");
  }

  @Test
  void aScriptThatCannotBeStoredIsReportedAndNothingOfItRuns() {
    host.shOk("mkdir -p -m 700 /run/hostops && mount -t tmpfs -o size=64k,mode=700 tmpfs /run/hostops");
    try {
      for (HostConnection c : List.of(root, sudo)) {
        String mark = "/tmp/unstored-" + c.target().user();
        HostUnreachableException e = assertThrows(HostUnreachableException.class, () -> c.run(marking(mark), TIMEOUT));
        assertTrue(e.getMessage().startsWith("cannot store the script in /run/hostops on " + c.target().display() + " (")
            && e.getMessage().contains("No space left on device")
            && e.getMessage().endsWith("; nothing of it was run"), e.getMessage());
        assertFalse(host.sh("test -e " + mark).ok(), "no line of it ran");
      }
      assertEquals("", host.shOk("ls -A /run/hostops | grep -v '^lock' || true"), "the partial copy removed");
    } finally {
      host.sh("umount /run/hostops");
    }
  }

  @Test
  void theProbeRemovesTempFilesOfAnInterruptedApplyAndNothingElse() throws Exception {
    // what a cut apply of an earlier hostops left: temp files beside a managed unit and config file
    host.shOk("mkdir -p /var/lib/hostops/services/leftover /root/leftover /root/other"
        + " && echo team/leftover > /var/lib/hostops/services/leftover/owner"
        + " && printf '/etc/systemd/system/leftover.service\\n/root/leftover/app.conf\\n'"
        + " > /var/lib/hostops/services/leftover/files"
        + " && echo half > /etc/systemd/system/.hostops.Ab12Cd && echo half > /root/leftover/.hostops.zz99yy"
        + " && echo mine > /root/leftover/.hostops.notes.txt && echo mine > /root/leftover/.hostops.abc"
        + " && echo theirs > /root/other/.hostops.Ab12Cd");
    new ServiceSync(TIMEOUT).snapshot(sudo, false);
    assertEquals("", host.shOk("ls -A /etc/systemd/system | grep '^\\.hostops' || true"));
    assertEquals(".hostops.abc\n.hostops.notes.txt", host.shOk("ls -A /root/leftover"),
        "only hostops' own temp-name pattern");
    assertEquals(".hostops.Ab12Cd", host.shOk("ls -A /root/other"), "only in directories hostops manages");
    host.shOk("rm -rf /var/lib/hostops/services/leftover /root/leftover /root/other");
  }

  @Test
  void theProgramIsSentOnceThenOnlyManifestsAndItRunsOnlyWhenItsHashMatches() throws Exception {
    String installed = "/var/lib/hostops/program/" + HostProgram.sha256() + ".sh";
    Manifest facts = new Manifest();
    for (HostConnection c : List.of(root, sudo)) {
      host.shOk("rm -rf /var/lib/hostops/program");
      long before = HostConnection.totalBytesSent();
      ExecResult first = c.run(HostProgram.Job.FACTS, facts, TIMEOUT);
      long firstBytes = HostConnection.totalBytesSent() - before;
      assertEquals(0, first.exitCode(), first.stderr());
      assertTrue(first.stdout().contains("os\tDebian GNU/Linux 12"), first.stdout());
      assertTrue(firstBytes > HostProgram.bytes().length, "the first job carries the program: " + firstBytes);
      assertEquals(HostProgram.sha256() + "  " + installed, host.shOk("sha256sum " + installed));
      assertEquals("700 root", host.shOk("stat -c '%a %U' /var/lib/hostops/program"));

      before = HostConnection.totalBytesSent();
      assertEquals(first.stdout(), c.run(HostProgram.Job.FACTS, facts, TIMEOUT).stdout());
      long again = HostConnection.totalBytesSent() - before;
      assertTrue(again < 700, "a job on a host that has the program sends its manifest only: " + again + " bytes");

      // a program changed on the host (by hand, or a disk gone bad) is never run: it is sent again
      String mark = "/tmp/tampered-" + c.target().user();
      host.shOk("printf 'touch " + mark + "\\n' | cat - " + installed + " > /tmp/p && cat /tmp/p > " + installed);
      assertEquals(first.stdout(), c.run(HostProgram.Job.FACTS, facts, TIMEOUT).stdout());
      assertFalse(host.sh("test -e " + mark).ok(), "the changed program did not run");
      assertEquals(HostProgram.sha256() + "  " + installed, host.shOk("sha256sum " + installed), "sent again");
    }
    assertEquals("", host.shOk("ls -A /run/hostops | grep -v '^lock' || true"), "temp files removed");
  }

  @Test
  void runsNothingOfAManifestThatArrivedIncomplete() throws Exception {
    for (HostConnection c : List.of(root, sudo)) {
      String dir = "/root/partial-" + c.target().user();
      Manifest m = new Manifest().add("dir", dir, "0700").add("owner", "partial", "team/partial")
          .addWithContent("write", List.of(dir + "/big", "0600", "100000", "177", "replace"), new byte[100_000]);
      int total = m.bytes().length;
      c.run(HostProgram.Job.FACTS, new Manifest(), TIMEOUT); // the program is there: only the manifest is sent
      for (int sent : List.of(0, 1, 30, total / 2, total - 1)) {
        HostUnreachableException e = assertThrows(HostUnreachableException.class,
            () -> c.run(HostProgram.Job.APPLY, m, sent, TIMEOUT));
        assertEquals("script sent to " + c.target().display() + " arrived incomplete: " + sent + " of " + total
            + " bytes; nothing of it was run", e.getMessage());
      }
      assertFalse(host.sh("test -e " + dir).ok(), "no record of it was carried out");
      assertFalse(host.sh("test -e /var/lib/hostops/services/partial").ok(), "no record of it was carried out");
      assertEquals(0, c.run(HostProgram.Job.APPLY, m, TIMEOUT).exitCode(), "whole, it runs");
      assertEquals("600 100000", host.shOk("stat -c '%a %s' " + dir + "/big"));
      host.shOk("rm -rf " + dir + " /var/lib/hostops/services/partial");
    }
    assertEquals("", host.shOk("ls -A /run/hostops | grep -v '^lock' || true"), "temp files removed");
  }
}
