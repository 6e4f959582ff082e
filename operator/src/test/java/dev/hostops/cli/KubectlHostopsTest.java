package dev.hostops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.reconcile.Await;
import dev.hostops.reconcile.OperatorHarness;
import dev.hostops.testhosts.KubectlPlugin.Run;
import dev.hostops.testhosts.KubectlPlugin;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.rbac.PolicyRuleBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBindingBuilder;
import io.fabric8.kubernetes.api.model.rbac.RoleBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * {@code kubectl hostops} (bin/kubectl-hostops, the very script on a person's PATH) as its own process, run by
 * kubectl itself where it matters, against the real API server and two real hosts (vm1 as root, vm2 as a sudo
 * user), with the rights of a ServiceAccount that may read HostServices, Hosts and their key Secrets and
 * nothing more.
 */
class KubectlHostopsTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final String NS = OperatorHarness.NS;
  private static OperatorHarness k8s;
  private static TestHost vm1;
  private static TestHost vm2;
  private static Path kubeconfig;
  private static Path noSecrets;

  @BeforeAll
  static void start() throws Exception {
    List<TestHost> vms = HOSTS.boot("kh1", "kh2");
    vm1 = vms.get(0);
    vm2 = vms.get(1);
    k8s = new OperatorHarness(Duration.ofSeconds(5), Duration.ofSeconds(10));
    k8s.addHost(vm1, "vm1", "root", Map.of());
    k8s.addHost(vm2, "vm2", "ubuntu", Map.of());
    HostService web = OperatorHarness.service("web", vm1.image("hostops/demo:v1"), "vm1", "vm2");
    web.getSpec().env = List.of(new EnvVar("MESSAGE", "hello from web"));
    k8s.create(web);
    HostService idle = OperatorHarness.service("idle", vm1.image("hostops/demo:v1"), "vm1");
    idle.getSpec().suspend = true;
    k8s.create(idle);
    HostService filed = OperatorHarness.service("filed", vm1.image("hostops/demo:v1"), "vm1");
    filed.getSpec().env = List.of(new EnvVar("MESSAGE", "into the file"));
    filed.getSpec().logs = new dev.hostops.api.LogSpec();
    filed.getSpec().logs.stdoutToFile = true;
    k8s.create(filed);
    k8s.awaitReady("web", Duration.ofSeconds(120));
    k8s.awaitReady("filed", Duration.ofSeconds(120));
    Await.until(Duration.ofSeconds(60), () -> k8s.get("idle").getStatus() != null
        && !k8s.get("idle").getStatus().hosts.isEmpty() && k8s.get("idle").getStatus().hosts.get(0).container != null,
        () -> OperatorHarness.describe(k8s.get("idle")));
    for (TestHost vm : vms) {
      // the container has written to the unit's journal
      Await.until(Duration.ofSeconds(30), () -> vm.sh("journalctl -u web.service -q --no-pager | grep -c 'hello from web'")
          .stdout().strip().matches("[5-9]|\\d\\d+"), () -> vm.sh("journalctl -u web.service --no-pager").stdout());
    }
    kubeconfig = person("dev", true);
    noSecrets = person("viewer", false);
  }

  /** A person's kubeconfig: a ServiceAccount allowed to read HostServices and Hosts (and key Secrets). */
  private static Path person(String name, boolean secrets) {
    List<io.fabric8.kubernetes.api.model.rbac.PolicyRule> rules = new ArrayList<>(List.of(new PolicyRuleBuilder()
        .withApiGroups("hostops.dev").withResources("hostservices", "hosts").withVerbs("get", "list").build()));
    if (secrets) {
      rules.add(new PolicyRuleBuilder().withApiGroups("").withResources("secrets").withVerbs("get").build());
    }
    k8s.client.resource(new RoleBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withRules(rules).build()).serverSideApply();
    k8s.client.resource(new RoleBindingBuilder().withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withNewRoleRef("rbac.authorization.k8s.io", "Role", name)
        .addNewSubject().withKind("ServiceAccount").withName(name).withNamespace(NS).endSubject().build())
        .serverSideApply();
    return k8s.api.kubeconfigAs(NS, name);
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  /** A run of the plugin: exit code and output. */
  private static Run run(String... args) throws Exception {
    return KubectlPlugin.run(kubeconfig, args);
  }

  /** New SSH logins a host's sshd accepted so far (the operator's own connection is persistent). */
  private static int logins(TestHost vm) {
    return Integer.parseInt(vm.shOk("journalctl -u ssh --no-pager -q | grep -c 'Accepted publickey' || true"));
  }

  @Test
  void statusShowsEveryHostOfEveryService() throws Exception {
    Run all = run("status");
    assertEquals(0, all.exit(), all.err());
    String[] lines = all.out().strip().split("\n");
    assertTrue(lines[0].matches("SERVICE\\s+HOST\\s+STATE\\s+UNIT\\s+CONTAINER\\s+HEALTH\\s+IMAGE\\s+SINCE\\s+MESSAGE"), all.out());
    assertTrue(all.out().lines().anyMatch(l -> l.matches("web\\s+vm1\\s+Running\\s+active/running\\s+running\\s+\\S+\\s+\\S*sha256:\\S+\\s+\\d+[smhd].*")), all.out());
    assertTrue(all.out().lines().anyMatch(l -> l.matches("web\\s+vm2\\s+Running\\s+active/running\\s+running\\s+.*")), all.out());
    assertTrue(all.out().lines().anyMatch(l -> l.matches("idle\\s+vm1\\s+Suspended\\s+.*")), all.out());
    Run one = run("status", "web");
    assertEquals(0, one.exit(), one.err());
    assertEquals(3, one.out().strip().split("\n").length, one.out());
  }

  @Test
  void logsPrefixEachLineWithItsHost() throws Exception {
    Run r = run("logs", "web", "--tail", "5", "--since", "1h");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("vm1 ") && l.contains("hello from web")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.startsWith("vm2 ") && l.contains("hello from web")), r.out());
    assertTrue(r.out().lines().allMatch(l -> l.startsWith("vm1 ") || l.startsWith("vm2 ")), r.out());
    assertEquals(10, r.out().lines().count(), r.out());
    Run one = run("logs", "web", "--host", "vm2", "--tail", "2");
    assertEquals(0, one.exit(), one.err());
    assertTrue(one.out().lines().allMatch(l -> l.startsWith("vm2 ")) && one.out().lines().count() == 2, one.out());
  }

  @Test
  void logsOfAServiceWritingToItsLogFileReadThatFile() throws Exception {
    Await.until(Duration.ofSeconds(30), () -> vm1.sh("grep -c 'into the file' /root/var/logs/filed.log").stdout().strip()
        .matches("[3-9]|\\d\\d+"), () -> vm1.sh("ls -la /root/var/logs").stdout());
    Run r = run("logs", "filed", "--tail", "2");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().lines().allMatch(l -> l.startsWith("vm1 ")), r.out());
    assertTrue(r.out().lines().anyMatch(l -> l.matches("vm1 \\S+Z into the file ?")), r.out());
    assertFalse(vm1.sh("journalctl -u filed.service -q --no-pager").stdout().contains("into the file"),
        "the container's output goes to the file, not the journal");
  }

  @Test
  void followingEveryHostEndsCleanlyOnCtrlC() throws Exception {
    // through kubectl itself, as a person types it: kubectl finds kubectl-hostops on PATH
    ProcessBuilder pb = KubectlPlugin.plugin(kubeconfig, List.of());
    pb.command(List.of("kubectl", "hostops", "logs", "web", "-f", "--tail", "1"));
    pb.environment().put("PATH", Path.of("../bin").toAbsolutePath().normalize() + ":" + System.getenv("PATH"));
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> {
      try {
        p.getInputStream().transferTo(out);
      } catch (IOException e) {
        // ended
      }
    });
    reader.start();
    var err = KubectlPlugin.drain(p.getErrorStream());
    // new lines keep coming from both hosts (the demo writes one a second)
    Await.until(Duration.ofSeconds(30), () -> count(out, "vm1 ") >= 3 && count(out, "vm2 ") >= 3, out::toString);
    assertTrue(vm1.shOk("pgrep -f '^journalctl -u web[.]service' | wc -l").matches("[1-9]\\d*"));
    assertTrue(vm2.shOk("pgrep -f '^journalctl -u web[.]service' | wc -l").matches("[1-9]\\d*"));
    // Ctrl-C: SIGINT to kubectl and the plugin, as a terminal sends it to the foreground process group
    for (ProcessHandle h : p.descendants().toList()) {
      new ProcessBuilder("kill", "-INT", String.valueOf(h.pid())).start().waitFor();
    }
    new ProcessBuilder("kill", "-INT", String.valueOf(p.pid())).start().waitFor();
    assertTrue(p.waitFor(10, TimeUnit.SECONDS), "still following after Ctrl-C");
    reader.join(5000);
    assertEquals(130, p.exitValue(), err.get());
    assertFalse(err.get().contains("Exception"), err.get());
    // every channel closed: nothing left following the journal on either host
    for (TestHost vm : List.of(vm1, vm2)) {
      Await.until(Duration.ofSeconds(10), () -> vm.sh("pgrep -f '^journalctl -u web[.]service'").exitCode() == 1,
          () -> vm.sh("ps -ef").stdout());
    }
  }

  private static long count(ByteArrayOutputStream out, String prefix) {
    return out.toString(StandardCharsets.UTF_8).lines().filter(l -> l.startsWith(prefix)).count();
  }

  @Test
  void execRunsInTheContainerAndPassesItsExitStatusThrough() throws Exception {
    Run r = run("exec", "web", "--", "sh", "-c", "echo \"$MESSAGE\"; exit 7");
    assertEquals(7, r.exit(), r.err());
    assertEquals("hello from web", r.out().strip());
    // the words reach the container as they are: no shell on the host splits or expands them
    Run words = run("exec", "web", "--host", "vm2", "--", "echo", "$(id -u)", ";", "`x`", "a  b");
    assertEquals(0, words.exit(), words.err());
    assertEquals("$(id -u) ; `x` a  b", words.out().strip());
    // stdin with -i
    Process p = KubectlPlugin.plugin(kubeconfig, List.of("exec", "web", "-i", "--", "sh", "-c", "read x; echo got-$x")).start();
    try (OutputStream in = p.getOutputStream()) {
      in.write("piped\n".getBytes(StandardCharsets.UTF_8));
    }
    Run piped = KubectlPlugin.finish(p, Duration.ofSeconds(60));
    assertEquals(0, piped.exit(), piped.err());
    assertEquals("got-piped", piped.out().strip());
  }

  @Test
  void execWithATerminal() throws Exception {
    // script(1) gives the plugin a terminal of its own, as a person's shell has
    String cmd = String.join(" ", List.of(Path.of("../bin/kubectl-hostops").toAbsolutePath().normalize().toString(),
        "exec", "web", "-it", "--", "sh"));
    ProcessBuilder pb = KubectlPlugin.plugin(kubeconfig, List.of());
    pb.command("script", "-qefc", "stty cols 91 rows 33; " + cmd, "/dev/null");
    Process p = pb.start();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Thread reader = new Thread(() -> {
      try {
        p.getInputStream().transferTo(out);
      } catch (IOException e) {
        // ended
      }
    });
    reader.start();
    OutputStream in = p.getOutputStream();
    Thread.sleep(4000);
    in.write("[ -t 0 ] && echo is-a-$((6*7))-tty; stty size\n".getBytes(StandardCharsets.UTF_8));
    in.flush();
    Await.until(Duration.ofSeconds(30), () -> out.toString(StandardCharsets.UTF_8).contains("is-a-42-tty"), out::toString);
    // docker exec sets its terminal's size just after the shell starts (a race Docker's own client retries), so
    // under load the first `stty size` can come too early: asked again, the size must arrive
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!out.toString(StandardCharsets.UTF_8).contains("33 91") && System.nanoTime() < deadline) {
      Thread.sleep(2000);
      if (!out.toString(StandardCharsets.UTF_8).contains("33 91")) {
        in.write("stty size\n".getBytes(StandardCharsets.UTF_8));
        in.flush();
      }
    }
    Await.until(Duration.ofSeconds(5), () -> out.toString(StandardCharsets.UTF_8).contains("33 91"), out::toString);
    // Ctrl-C reaches the command in the container, not the plugin: the sleep ends, the shell goes on
    in.write("sleep 60\n".getBytes(StandardCharsets.UTF_8));
    in.flush();
    Thread.sleep(1500);
    in.write(3);
    in.flush();
    in.write("echo after-$((1+1))\n".getBytes(StandardCharsets.UTF_8));
    in.flush();
    Await.until(Duration.ofSeconds(15), () -> out.toString(StandardCharsets.UTF_8).contains("after-2"), out::toString);
    assertTrue(p.isAlive());
    // the window is resized (the terminal's size changes, the kernel sends SIGWINCH): the container's terminal follows
    ProcessHandle java = p.descendants().filter(h -> h.info().command().orElse("").endsWith("/java")).findFirst()
        .orElseThrow();
    String pts = Files.readSymbolicLink(Path.of("/proc", String.valueOf(java.pid()), "fd", "0")).toString();
    assertEquals(0, new ProcessBuilder("stty", "-F", pts, "cols", "120", "rows", "50").start().waitFor());
    Thread.sleep(1000);
    in.write("stty size\n".getBytes(StandardCharsets.UTF_8));
    in.flush();
    Await.until(Duration.ofSeconds(10), () -> out.toString(StandardCharsets.UTF_8).contains("50 120"), out::toString);
    in.write("exit 3\n".getBytes(StandardCharsets.UTF_8));
    in.flush();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), out.toString(StandardCharsets.UTF_8));
    in.close();
    assertEquals(3, p.exitValue(), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void diffIsReadOnlyAndSaysWhatWouldChange() throws Exception {
    HostService live = k8s.get("web");
    HostService same = OperatorHarness.service("web", live.getSpec().image, "vm1", "vm2");
    same.getSpec().env = List.of(new EnvVar("MESSAGE", "hello from web"));
    Path sameFile = Files.writeString(Files.createTempFile(Path.of("target"), "same-", ".yaml"), Serialization.asYaml(same));
    HostService changed = OperatorHarness.service("web", live.getSpec().image, "vm1", "vm2");
    changed.getSpec().env = List.of(new EnvVar("MESSAGE", "changed"));
    Path changedFile = Files.writeString(Files.createTempFile(Path.of("target"), "changed-", ".yaml"),
        Serialization.asYaml(changed));
    String before1 = hostState(vm1);
    String before2 = hostState(vm2);

    Run none = run("diff", "-f", sameFile.toString());
    assertEquals(0, none.exit(), none.out() + none.err());
    assertEquals("", none.out());

    Run diff = run("diff", "-f", changedFile.toString());
    assertEquals(1, diff.exit(), diff.out() + diff.err());
    assertTrue(diff.out().contains("--- vm1:/etc/systemd/system/web.service (live)\n"
        + "+++ vm1:/etc/systemd/system/web.service (manifests)\n"), diff.out());
    assertTrue(diff.out().lines().anyMatch(l -> l.startsWith("-ExecStart=") && l.contains("MESSAGE=hello from web")
        || l.startsWith("-") && l.contains("hello from web")), diff.out());
    assertTrue(diff.out().lines().anyMatch(l -> l.startsWith("+") && l.contains("MESSAGE=changed")), diff.out());
    assertTrue(diff.out().contains("# vm1: web.service would restart, pulling " + live.getSpec().image), diff.out());
    assertTrue(diff.out().contains("# vm2: web.service would restart"), diff.out());
    // nothing changed on either host: files, unit, container
    assertEquals(before1, hostState(vm1));
    assertEquals(before2, hostState(vm2));
    // and no script of diff's is left in /run/hostops: the operator's own jobs come and go there (its
    // resync probes), so the folder is checked until it holds none, which a leftover would never do
    for (TestHost vm : List.of(vm1, vm2)) {
      Await.until(Duration.ofSeconds(30), () -> vm.shOk("ls /run/hostops | grep -v '^lock' || true").isBlank(),
          () -> vm.shOk("ls -la /run/hostops"));
    }
  }

  /** Everything diff could touch: the service's files, the unit's state, the container's start. */
  private static String hostState(TestHost vm) {
    return vm.shOk("sha256sum /etc/systemd/system/web.service; ls -la --time-style=full-iso /etc/systemd/system/ /root/web 2>&1;"
        + " systemctl show web -p ActiveEnterTimestamp -p NRestarts -p InvocationID;"
        + " docker inspect -f '{{.Id}} {{.State.StartedAt}}' web");
  }

  @Test
  void restartOnOneHostRestartsThatHostOnly() throws Exception {
    String on1 = vm1.shOk("docker inspect -f '{{.State.StartedAt}}' web").strip();
    String on2 = vm2.shOk("docker inspect -f '{{.State.StartedAt}}' web").strip();
    Run r = run("restart", "web", "--host", "vm2");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().startsWith("hostservice/web restarted on vm2 (pulled "), r.out());
    assertEquals(on1, vm1.shOk("docker inspect -f '{{.State.StartedAt}}' web").strip(), "vm1 untouched");
    Await.until(Duration.ofSeconds(30), () -> !on2.equals(vm2.sh("docker inspect -f '{{.State.StartedAt}}' web")
        .stdout().strip()) && "true".equals(vm2.sh("docker inspect -f '{{.State.Running}}' web").stdout().strip()),
        () -> vm2.sh("systemctl status web --no-pager").stdout());
  }

  @Test
  void mistakesAreOneLineExitTwoAndReachNoHost() throws Exception {
    int before1 = logins(vm1);
    int before2 = logins(vm2);
    record Case(List<String> args, String message) {}
    List<Case> cases = List.of(
        new Case(List.of("logs", "nosuch"), "kubectl hostops logs: no HostService 'nosuch' in namespace team"),
        new Case(List.of("exec", "nosuch", "--", "true"), "kubectl hostops exec: no HostService 'nosuch' in namespace team"),
        new Case(List.of("logs", "web", "--host", "vm9"),
            "kubectl hostops logs: Host 'vm9' is not among the hosts of web (vm1, vm2)"),
        new Case(List.of("exec", "idle", "--", "true"),
            "kubectl hostops exec: no container of idle running on vm1 (as hostops last saw: vm1 absent)"),
        new Case(List.of("logs", "web", "--folow"),
            "kubectl hostops logs: unknown flag --folow (flags: --host H, -f, --since 10m, --tail N, -n NS)"),
        new Case(List.of("logs", "web", "--since", "yesterday"),
            "kubectl hostops logs: --since needs a duration like 30s, 10m, 2h or 1d, not 'yesterday'"),
        new Case(List.of("exec", "web"), "kubectl hostops exec: no command: kubectl hostops exec SERVICE -- CMD…"),
        new Case(List.of("diff", "-f", "/nonexistent.yaml"), null),
        new Case(List.of("restart", "nosuch"), "kubectl hostops restart: no HostService 'nosuch' in namespace team"),
        new Case(List.of("restart", "idle"), "kubectl hostops restart: idle is suspended (spec.suspend): there is "
            + "nothing running to restart; set spec.suspend to false to start it"),
        new Case(List.of("restart", "web", "--host", "vm9"),
            "kubectl hostops restart: Host 'vm9' is not among the hosts of web (vm1, vm2)"),
        new Case(List.of("restart"), "kubectl hostops restart: which service? kubectl hostops restart SERVICE"),
        new Case(List.of("restart", "web", "-f"), "kubectl hostops restart: unknown flag -f (flags: --host H, -n NS)"),
        new Case(List.of("stauts"), "kubectl hostops: unknown command 'stauts': use status, logs, exec, diff or restart"));
    for (Case c : cases) {
      Run r = run(c.args().toArray(String[]::new));
      assertEquals(2, r.exit(), c.args() + ": " + r.err());
      assertEquals("", r.out(), c.args().toString());
      assertEquals(1, r.err().strip().lines().count(), c.args() + ": " + r.err());
      if (c.message() != null) {
        assertEquals(c.message(), r.err().strip(), c.args().toString());
      }
    }
    assertEquals(before1, logins(vm1), "a mistake reached vm1");
    assertEquals(before2, logins(vm2), "a mistake reached vm2");
  }

  @Test
  void aMissingPermissionIsOneLineNamingIt() throws Exception {
    Run r = KubectlPlugin.run(noSecrets, "logs", "web");
    assertEquals(1, r.exit(), r.err());
    assertEquals(1, r.err().strip().lines().count(), r.err());
    assertTrue(r.err().startsWith("kubectl hostops logs: forbidden: secrets \"vm1-key\" is forbidden: User "
        + "\"system:serviceaccount:team:viewer\" cannot get resource \"secrets\""), r.err());
    assertFalse((r.out() + r.err()).contains("PRIVATE KEY"));
    Run status = KubectlPlugin.run(noSecrets, "status");
    assertEquals(0, status.exit(), status.err());
  }
}
