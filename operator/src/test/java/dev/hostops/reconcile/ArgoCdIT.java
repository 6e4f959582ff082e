package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.ssh.ExecResult;
import dev.hostops.testhosts.ArgoCd;
import dev.hostops.testhosts.Kubectl;
import dev.hostops.testhosts.KubectlPlugin;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import io.fabric8.kubernetes.client.informers.SharedIndexInformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * hostops synced by a real Argo CD (application controller and repo-server v3.2, built here, out of cluster)
 * from a local Git repository, on the real API server, with the real operator and real hosts. One Application,
 * made from examples/argocd/application.yaml, goes through a service's life in order: first sync, an image
 * change, a failing image reverted, self-heal both ways, server-side diff, prune, and deletion with cascade.
 * Then the same deletion with plain kubectl, and a Host let go by hand. Every state the Application passes
 * through is recorded (a watch), so "never OutOfSync right after a sync" is checked on all of them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ArgoCdIT {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration WAIT = Duration.ofMinutes(3);
  private static final String APP = "vm-services";
  private static final String PLAIN = "plain";

  private static OperatorHarness k8s;
  private static ArgoCd argo;
  private static Kubectl kubectl;
  private static TestHost vm;
  private static TestHost vm2;
  private static ArgoCd.GitRepo repo;
  private static SharedIndexInformer<GenericKubernetesResource> watch;
  private static final List<Seen> SEEN = new CopyOnWriteArrayList<>();

  /** One state of the Application, and whether every HostService was Ready when it was seen. */
  record Seen(long at, String sync, String health, String revision, String operation, String operationRevision,
              int history, boolean allReady) {
    @Override
    public String toString() {
      return String.format("%.1fs %s/%s rev=%s op=%s@%s history=%d allReady=%s", (at - T0) / 1e9, sync, health,
          abbrev(revision), operation, abbrev(operationRevision), history, allReady);
    }
  }

  private static final long T0 = System.nanoTime();

  private static String abbrev(String rev) {
    return rev == null ? null : rev.substring(0, Math.min(7, rev.length()));
  }

  @BeforeAll
  static void start() throws Exception {
    List<TestHost> booted = HOSTS.boot("argo1", "argo2");
    vm = booted.get(0);
    vm2 = booted.get(1);
    k8s = new OperatorHarness(Duration.ofSeconds(5), Duration.ofSeconds(10));
    kubectl = new Kubectl(k8s.api.kubeconfig());
    k8s.api.namespace(PLAIN);
    argo = ArgoCd.start(k8s.api.kubeconfig(), k8s.client);
    repo = new ArgoCd.GitRepo(Path.of("target/argocd-repo-" + ProcessHandle.current().pid()));
    watch = k8s.client.genericKubernetesResources(ArgoCd.APPLICATIONS).inNamespace(ArgoCd.NS)
        .inform(new ResourceEventHandler<>() {
          @Override
          public void onAdd(GenericKubernetesResource app) {
            record(app);
          }

          @Override
          public void onUpdate(GenericKubernetesResource before, GenericKubernetesResource app) {
            record(app);
          }

          @Override
          public void onDelete(GenericKubernetesResource app, boolean unknown) {
          }
        });
  }

  private static void record(GenericKubernetesResource app) {
    boolean allReady = false;
    if ("Healthy".equals(ArgoCd.health(app))) {
      // read after Argo CD wrote Healthy: every HostService must already be Ready for this generation
      List<HostService> services = k8s.client.resources(HostService.class).inNamespace(NS).list().getItems();
      allReady = services.stream().allMatch(OperatorHarness::ready);
    }
    SEEN.add(new Seen(System.nanoTime(), ArgoCd.sync(app), ArgoCd.health(app), ArgoCd.revision(app),
        ArgoCd.operationPhase(app), ArgoCd.operationRevision(app), ArgoCd.history(app), allReady));
  }

  @AfterAll
  static void stop() {
    System.out.println("Application states seen:\n  " + String.join("\n  ", SEEN.stream().map(Seen::toString).toList()));
    if (watch != null) {
      watch.close();
    }
    if (argo != null) {
      argo.close();
    }
    if (k8s != null) {
      k8s.close();
    }
  }

  // ---------------------------------------------------------------------------------------------------------
  // the services repository

  private static String hosts() {
    return """
        apiVersion: v1
        kind: Secret
        metadata:
          name: vm1-ssh
          annotations: {argocd.argoproj.io/sync-wave: "-1"}
        type: kubernetes.io/ssh-auth
        stringData:
          ssh-privatekey: |
        %s
        ---
        apiVersion: hostops.dev/v1alpha1
        kind: Host
        metadata:
          name: vm1
          labels: {env: argo}
          annotations: {argocd.argoproj.io/sync-wave: "-1"}
        spec:
          address: %s
          port: %d
          user: root
          sshKeySecretRef: {name: vm1-ssh}
          knownHosts: "%s"
        """.formatted(vm.privateKey().strip().indent(4).stripTrailing(), vm.address(), vm.port(), vm.knownHosts());
  }

  private static String web(String tag, String message) {
    return """
        apiVersion: hostops.dev/v1alpha1
        kind: HostService
        metadata:
          name: web
        spec:
          image: %s
          hostSelector:
            matchLabels: {env: argo}
          env:
            - name: MESSAGE
              value: %s
          rollout:
            minReadySeconds: 3
            autoRevert: true
          # the API server fills in restart.delaySeconds, pull and startOnBoot (CRD defaults): no diff for Argo CD
          restart:
            policy: always
        """.formatted(vm.image("hostops/demo:" + tag), message);
  }

  private static String api() {
    return """
        apiVersion: hostops.dev/v1alpha1
        kind: HostService
        metadata:
          name: api
        spec:
          image: %s
          hosts: [vm1]
          files:
            - name: api.conf
              content: "port=8080"
        """.formatted(vm.image("hostops/demo:v1"));
  }

  /** The example Application, pointed at the local repository and the test's namespace. */
  private static String application() throws Exception {
    String example = Files.readString(Path.of("../examples/argocd/application.yaml"));
    assertTrue(example.contains("repoURL: https://git.example.com/ops/vm-services.git") && example.contains("namespace: prod"));
    return example.replace("https://git.example.com/ops/vm-services.git", repo.url())
        .replace("namespace: prod", "namespace: " + NS);
  }

  private static Map<String, String> files(Object... pathsAndContents) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < pathsAndContents.length; i += 2) {
      m.put((String) pathsAndContents[i], (String) pathsAndContents[i + 1]);
    }
    return m;
  }

  // ---------------------------------------------------------------------------------------------------------
  // checks

  private static GenericKubernetesResource app() {
    return argo.application(APP);
  }

  private static String state() {
    GenericKubernetesResource a = app();
    return a == null ? "no Application" : ArgoCd.sync(a) + "/" + ArgoCd.health(a) + " at " + ArgoCd.revision(a)
        + ", operation " + ArgoCd.operationPhase(a) + "; last seen: " + SEEN.subList(Math.max(0, SEEN.size() - 8),
        SEEN.size()) + "\nHostServices: " + describe(k8s.client.resources(HostService.class).inNamespace(NS).list()
        .getItems().stream().map(s -> s.getMetadata().getName() + " " + (s.getStatus() == null ? null
        : s.getStatus().conditions)).toList());
  }

  /** Commits, asks Argo CD to look now, and waits until it reads Synced and {@code health} at that commit. */
  private static String commitAndAwait(String message, Map<String, String> files, String health) {
    String commit = repo.commit(message, files);
    argo.refresh(APP);
    awaitApp(commit, "Synced", health);
    return commit;
  }

  private static void awaitApp(String commit, String sync, String health) {
    Await.until(WAIT, () -> {
      GenericKubernetesResource a = app();
      return commit.equals(ArgoCd.revision(a)) && sync.equals(ArgoCd.sync(a)) && health.equals(ArgoCd.health(a))
          && "Succeeded".equals(ArgoCd.operationPhase(a)) && commit.equals(ArgoCd.operationRevision(a));
    }, ArgoCdIT::state);
  }

  /** The states seen since {@code from}. */
  private static List<Seen> since(int from) {
    return new ArrayList<>(SEEN.subList(from, SEEN.size()));
  }

  /**
   * Right after a sync, for {@code window}: every state the Application passes through reads Synced (a diff the
   * API server's defaulting made would read OutOfSync here, and selfHeal would sync again and again). The window
   * starts once the Application read Synced and Healthy at the commit: before that, two short OutOfSync moments
   * were seen that are not drift: a pruned HostService still there while its finalizer cleans its hosts (selfHeal
   * prunes it again, a second or two), and now and then a comparison against Argo CD's own cache before it saw
   * the sync's change (its selfHeal re-apply then reads "unchanged").
   */
  private static void assertStaysSynced(String commit, Duration window) throws InterruptedException {
    int from = SEEN.size();
    long historyBefore = ArgoCd.history(app());
    Thread.sleep(window.toMillis());
    // the controller compares again on its own (resource events); a hard refresh makes sure it did
    argo.refresh(APP);
    Thread.sleep(3_000);
    List<Seen> after = since(from);
    for (Seen s : after) {
      assertEquals("Synced", s.sync(), "OutOfSync right after the sync of " + commit + ": " + after);
      assertEquals(commit, s.revision(), after.toString());
    }
    assertEquals(historyBefore, ArgoCd.history(app()), "no sync since: " + after);
    assertEquals("Synced", ArgoCd.sync(app()), state());
  }

  private static String webImageOnHost() {
    return vm.shOk("docker inspect -f '{{.Image}}' web");
  }

  private static ExecResult ok(ExecResult r) {
    assertEquals(0, r.exitCode(), r.stderr() + r.stdout());
    return r;
  }

  // ---------------------------------------------------------------------------------------------------------

  @Test
  @Order(1)
  void theFirstSyncReadsHealthyOnlyOnceEveryHostServiceIsReady() throws Exception {
    String c1 = repo.commit("vm1 with web and api", files("services/hosts.yaml", hosts(),
        "services/web.yaml", web("v1", "one"), "services/api.yaml", api()));
    ok(kubectl.apply(application()));
    awaitApp(c1, "Synced", "Healthy");
    List<Seen> seen = since(0);
    for (Seen s : seen) {
      if ("Healthy".equals(s.health())) {
        assertTrue(s.allReady(), "Healthy while a HostService was not Ready: " + seen);
      }
    }
    assertTrue(seen.stream().anyMatch(s -> c1.equals(s.revision()) && "Progressing".equals(s.health())),
        "Progressing while the rollout ran: " + seen);
    for (String name : List.of("web", "api")) {
      assertTrue(OperatorHarness.ready(k8s.get(name)), describe(k8s.get(name)));
      assertEquals("active", vm.shOk("systemctl is-active " + name));
    }
    assertEquals("port=8080", vm.shOk("cat /root/api/api.conf"));
    assertStaysSynced(c1, Duration.ofSeconds(10));
  }

  @Test
  @Order(2)
  void aCommitChangingAnImageGoesOutOfSyncSyncsAndRollsOutOnTheHost() throws Exception {
    String before = webImageOnHost();
    int from = SEEN.size();
    String c2 = commitAndAwait("web: v2", files("services/web.yaml", web("v2", "one")), "Healthy");
    List<Seen> seen = since(from);
    assertTrue(seen.stream().anyMatch(s -> c2.equals(s.revision()) && "OutOfSync".equals(s.sync())),
        "OutOfSync before the sync: " + seen);
    assertTrue(seen.stream().anyMatch(s -> c2.equals(s.revision()) && "Synced".equals(s.sync())
        && "Progressing".equals(s.health())), "Progressing while the rollout ran: " + seen);
    assertTrue(OperatorHarness.ready(k8s.get("web")), describe(k8s.get("web")));
    assertNotEquals(before, webImageOnHost(), "the host runs another image");
    assertTrue(vm.shOk("cat /etc/systemd/system/web.service").contains("hostops/demo:v2"));
    assertEquals(5, k8s.get("web").getSpec().restart.delaySeconds, "defaulted by the API server");
    assertStaysSynced(c2, Duration.ofSeconds(10));
  }

  @Test
  @Order(3)
  void aFailingImageWithAutoRevertReadsDegradedAndTheHostIsBackOnThePreviousDigest() throws Exception {
    String good = webImageOnHost();
    String digest = OperatorHarness.on(k8s.get("web"), "vm1").imageDigest;
    String c3 = commitAndAwait("web: broken", files("services/web.yaml", web("broken", "one")), "Degraded");
    Await.until(WAIT, () -> "Reverted".equals(OperatorHarness.on(k8s.get("web"), "vm1").state), () -> describe(k8s.get("web")));
    assertEquals(good, webImageOnHost(), "the host is back on the image it ran");
    assertEquals("true", vm.shOk("docker inspect -f '{{.State.Running}}' web"));
    assertEquals(digest, OperatorHarness.on(k8s.get("web"), "vm1").revertedTo);
    assertEquals("Degraded", ArgoCd.health(app()), state());
    assertEquals(c3, ArgoCd.revision(app()));
    // and a good commit after it reaches the host
    commitAndAwait("web: v2 again", files("services/web.yaml", web("v2", "one")), "Healthy");
    assertEquals(good, webImageOnHost());
  }

  @Test
  @Order(4)
  void selfHealPutsBackAKubectlEditAndHostopsAHandEditOnTheHostWithoutALoop() throws Exception {
    String commit = ArgoCd.revision(app());
    ok(kubectl.run("patch", "-n", NS, "hostservice", "web", "--type=merge", "-p",
        "{\"spec\":{\"env\":[{\"name\":\"MESSAGE\",\"value\":\"edited by hand\"}]}}"));
    Await.until(WAIT, () -> "one".equals(k8s.get("web").getSpec().env.get(0).value)
        && OperatorHarness.ready(k8s.get("web")) && vm.shOk("cat /etc/systemd/system/web.service").contains("MESSAGE=one"),
        () -> describe(k8s.get("web")));
    vm.shOk("echo '# hand edit' >> /etc/systemd/system/web.service");
    Await.until(WAIT, () -> !vm.shOk("cat /etc/systemd/system/web.service").contains("hand edit"),
        () -> vm.shOk("tail -3 /etc/systemd/system/web.service"));
    awaitApp(commit, "Synced", "Healthy");
    Thread.sleep(5_000);

    // a minute of quiet: no apply on the host, no sync by Argo CD
    int from = SEEN.size();
    int history = ArgoCd.history(app());
    long applies = applies();
    Thread.sleep(60_000);
    assertEquals(applies, applies(), "applies on the host in a quiet minute: " + vm.shOk("tail -20 /run/hostops/lock.log"));
    assertEquals(history, ArgoCd.history(app()), "Argo CD synced again: " + since(from));
    for (Seen s : since(from)) {
      assertEquals("Synced", s.sync(), since(from).toString());
      assertEquals("Healthy", s.health(), since(from).toString());
    }
  }

  /** Apply jobs the host has run (its own record, /run/hostops/lock.log). */
  private static long applies() {
    return vm.shOk("cat /run/hostops/lock.log.1 /run/hostops/lock.log 2>/dev/null | grep -c '^start .* apply$' || true")
        .lines().mapToLong(Long::parseLong).sum();
  }

  @Test
  @Order(5)
  void withServerSideDiffTooTheApplicationIsNeverOutOfSyncRightAfterASync() throws Exception {
    ok(kubectl.run("annotate", "-n", ArgoCd.NS, "application", APP, "--overwrite",
        "argocd.argoproj.io/compare-options=ServerSideDiff=true"));
    String c5 = commitAndAwait("web: message two", files("services/web.yaml", web("v2", "two")), "Healthy");
    Await.until(WAIT, () -> vm.shOk("cat /etc/systemd/system/web.service").contains("MESSAGE=two"),
        () -> describe(k8s.get("web")));
    assertStaysSynced(c5, Duration.ofSeconds(10));
  }

  /**
   * spec.restartedAt in a commit restarts the service (a rollout, like any spec change). From the terminal,
   * `kubectl hostops restart` of that service is refused in one line, since Git owns the field and a sync would
   * set it back and restart again; of a service whose manifest does not carry it, it restarts once, and
   * neither Argo CD's self-heal nor hostops undoes or repeats it.
   */
  @Test
  @Order(6)
  void aRestartInACommitRollsOutAndOneFromTheTerminalIsNeitherUndoneNorRepeated() throws Exception {
    String before = startedAt("web");
    String restarted = web("v2", "two").replace("  rollout:", "  restartedAt: \"2026-12-07T12:00:00Z\"\n  rollout:");
    String c = commitAndAwait("web: restart", files("services/web.yaml", restarted), "Healthy");
    Await.until(WAIT, () -> {
      HostService now = k8s.get("web");
      return OperatorHarness.ready(now) && now.getStatus().rollout != null
          && "2026-12-07T12:00:00Z".equals(now.getStatus().rollout.restartedAt)
          && dev.hostops.api.RolloutStatus.COMPLETE.equals(now.getStatus().rollout.phase);
    }, () -> describe(k8s.get("web")));
    assertNotEquals(before, startedAt("web"), "the commit restarted web");
    assertStaysSynced(c, Duration.ofSeconds(5));

    KubectlPlugin.Run refused = KubectlPlugin.run(k8s.api.kubeconfig(), "restart", "web", "-n", NS);
    assertEquals(2, refused.exit(), refused.err());
    assertEquals(1, refused.err().strip().lines().count(), refused.err());
    assertTrue(refused.err().contains("spec.restartedAt of web comes from a manifest (argocd-controller)"),
        refused.err());

    String apiBefore = startedAt("api");
    int history = ArgoCd.history(app());
    KubectlPlugin.Run run = KubectlPlugin.run(k8s.api.kubeconfig(), "restart", "api", "-n", NS);
    assertEquals(0, run.exit(), run.err());
    String restartedAt = k8s.get("api").getSpec().restartedAt;
    Await.until(WAIT, () -> {
      HostService now = k8s.get("api");
      return OperatorHarness.ready(now) && now.getStatus().rollout != null
          && restartedAt.equals(now.getStatus().rollout.restartedAt)
          && dev.hostops.api.RolloutStatus.COMPLETE.equals(now.getStatus().rollout.phase);
    }, () -> describe(k8s.get("api")));
    String apiAfter = startedAt("api");
    assertNotEquals(apiBefore, apiAfter, "the terminal restarted api");
    // half a minute with a hard refresh in it: Argo CD does not sync the field away, nothing restarts again
    Thread.sleep(25_000);
    argo.refresh(APP);
    Thread.sleep(5_000);
    assertEquals(restartedAt, k8s.get("api").getSpec().restartedAt, "self-heal kept the terminal's restart");
    assertEquals(apiAfter, startedAt("api"), "api restarted once");
    assertEquals(history, ArgoCd.history(app()), "no sync for a terminal restart");
    assertEquals("Synced", ArgoCd.sync(app()), state());
  }

  private static String startedAt(String name) {
    return vm.shOk("docker inspect -f '{{.State.StartedAt}}' " + name).strip();
  }

  @Test
  @Order(7)
  void aHostServiceRemovedFromGitIsPrunedOffTheHost() throws Exception {
    String c6 = commitAndAwait("api: gone", files("services/api.yaml", null), "Healthy");
    Await.until(WAIT, () -> k8s.get("api") == null, () -> describe(k8s.get("api")));
    assertFalse(vm.sh("test -e /etc/systemd/system/api.service").ok(), "unit removed");
    assertFalse(vm.sh("docker inspect api").ok(), "container removed");
    assertFalse(vm.sh("test -e /root/api").ok(), "files removed");
    assertFalse(vm.sh("test -e /var/lib/hostops/services/api").ok(), "record removed");
    assertEquals("active", vm.shOk("systemctl is-active web"));
    assertStaysSynced(c6, Duration.ofSeconds(5));
  }

  @Test
  @Order(8)
  void deletingTheApplicationWithCascadeCleansTheHostsAndLeavesNothingTerminating() {
    ok(kubectl.run("delete", "-n", ArgoCd.NS, "application", APP, "--wait=false"));
    Await.until(WAIT, () -> app() == null && k8s.get("web") == null && k8s.host("vm1") == null,
        () -> state() + "\nHost: " + describe(k8s.host("vm1")));
    assertEquals(List.of(), k8s.client.resources(HostService.class).inNamespace(NS).list().getItems());
    assertEquals(List.of(), k8s.client.resources(Host.class).inNamespace(NS).list().getItems());
    assertEquals(null, k8s.client.secrets().inNamespace(NS).withName("vm1-ssh").get());
    assertFalse(vm.sh("test -e /etc/systemd/system/web.service").ok(), "unit removed");
    assertFalse(vm.sh("docker inspect web").ok(), "container removed");
    assertFalse(vm.sh("test -e /root/web").ok(), "files removed");
  }

  // ---------------------------------------------------------------------------------------------------------
  // the same deletion with plain kubectl: the Secret goes at once, the Host waits for its services

  private static Path plainDir() throws Exception {
    Path dir = Path.of("target/argocd-plain-" + ProcessHandle.current().pid());
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("hosts.yaml"), hosts().replace("name: vm1", "name: vm2")
        .replace("name: vm1-ssh", "name: vm2-ssh").replace("{name: vm1-ssh}", "{name: vm2-ssh}")
        .replace(vm.privateKey().strip().indent(4).stripTrailing(), vm2.privateKey().strip().indent(4).stripTrailing())
        .replace("address: " + vm.address(), "address: " + vm2.address())
        .replace("port: " + vm.port(), "port: " + vm2.port())
        .replace(vm.knownHosts(), vm2.knownHosts()));
    Files.writeString(dir.resolve("web.yaml"), """
        apiVersion: hostops.dev/v1alpha1
        kind: HostService
        metadata:
          name: web
        spec:
          image: %s
          hosts: [vm2]
        """.formatted(vm2.image("hostops/demo:v1")));
    return dir;
  }

  @Test
  @Order(9)
  void kubectlDeleteOfTheWholeFolderCleansTheHostThoughItsKeySecretGoesFirst() throws Exception {
    Path dir = plainDir();
    ok(kubectl.run("apply", "-n", PLAIN, "-f", dir.toString()));
    ok(kubectl.run("wait", "-n", PLAIN, "--for=condition=Ready", "hostservice/web", "--timeout=180s"));
    assertEquals("active", vm2.shOk("systemctl is-active web"));
    String finalizers = kubectl.run("get", "-n", PLAIN, "host", "vm2", "-o", "jsonpath={.metadata.finalizers}").stdout();
    ok(kubectl.run("delete", "-n", PLAIN, "-f", dir.toString(), "--timeout=180s"));
    assertEquals("", kubectl.run("get", "-n", PLAIN, "hostops,secrets", "-o", "name").stdout().strip());
    assertFalse(vm2.sh("test -e /etc/systemd/system/web.service").ok(), "unit removed");
    assertFalse(vm2.sh("docker inspect web").ok(), "container removed");
    assertFalse(vm2.sh("test -e /root/web").ok(), "files removed");
    assertTrue(finalizers.contains("hostops.dev"), "the Host had hostops' finalizer: " + finalizers);
  }

  @Test
  @Order(10)
  void aHostLetGoByHandIsNamedWithWhatStaysOnIt() throws Exception {
    Path dir = plainDir();
    ok(kubectl.run("apply", "-n", PLAIN, "-f", dir.toString()));
    ok(kubectl.run("wait", "-n", PLAIN, "--for=condition=Ready", "hostservice/web", "--timeout=180s"));
    vm2.freeze();
    try {
      ok(kubectl.run("delete", "-n", PLAIN, "-f", dir.toString(), "--wait=false"));
      Await.until(WAIT, () -> !events("vm2", "WaitingForServices").isEmpty() && !events("web", "CleanupPending").isEmpty(),
          () -> describe(k8s.client.v1().events().inNamespace(PLAIN).list().getItems().stream()
              .map(e -> e.getReason() + ": " + e.getMessage()).toList()));
      String waiting = events("vm2", "WaitingForServices").get(0);
      assertTrue(waiting.contains("web"), waiting);
      assertTrue(k8s.client.resources(Host.class).inNamespace(PLAIN).withName("vm2").get() != null, "the Host waits");
      // the way out the Event names, run as it says
      Matcher m = Pattern.compile("kubectl patch host (\\S+) -n (\\S+) --type=json -p '(.*)'$").matcher(waiting);
      assertTrue(m.find(), waiting);
      ok(kubectl.run("patch", "host", m.group(1), "-n", m.group(2), "--type=json", "-p", m.group(3)));
      Await.until(WAIT, () -> kubectl.run("get", "-n", PLAIN, "hostops", "-o", "name").stdout().isBlank(),
          () -> kubectl.run("get", "-n", PLAIN, "hostops", "-o", "yaml").stdout());
      List<String> left = events("web", "LeftOnHost");
      assertEquals(1, left.size(), left.toString());
      assertTrue(left.get(0).contains("left on vm2") && left.get(0).contains("web.service"), left.get(0));
    } finally {
      vm2.thaw();
    }
    assertTrue(vm2.sh("test -e /etc/systemd/system/web.service").ok(), "left as the Event says");
    vm2.shOk("systemctl disable --now web; rm -f /etc/systemd/system/web.service; docker rm -f web; rm -rf /root/web");
  }

  private static List<String> events(String name, String reason) {
    return k8s.client.v1().events().inNamespace(PLAIN).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
        .map(io.fabric8.kubernetes.api.model.Event::getMessage).toList();
  }
}
