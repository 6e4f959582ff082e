package dev.hostops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.marcnuri.helm.Helm;
import com.marcnuri.helm.Release;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.ssh.ExecResult;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The chart installed for real on a one-node cluster built here ({@code testhosts/controlplane up --node}:
 * kube-apiserver, controller-manager, scheduler, kube-proxy and a kubelet on its own containerd): the
 * operator runs as the chart's Deployment, a pod started by a kubelet with its projected ServiceAccount token,
 * the chart's security context enforced by runc, its probes, reaching the API server through the
 * {@code kubernetes} Service, and a test host through the machine's routes, as a VM from a cluster. The
 * steps build on each other (one cluster, one release), in order.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InClusterIT {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final String IMAGE_REPO = "hostops-operator";
  private static final String IMAGE_TAG = "incluster";
  private static final String NS = "hostops-system";
  private static final String TEAM = "team";
  private static final String SELECTOR = "app.kubernetes.io/instance=" + Chart.RELEASE;
  private static final String CONTROLPLANE = System.getProperty("hostops.controlplane", "../testhosts/controlplane");

  private static Path kubeconfig;
  private static KubernetesClient k;
  private static TestHost vm;

  private static String ok(ExecResult r, String what) {
    assertEquals(0, r.exitCode(), what + ": " + r.stderr() + r.stdout());
    return r.stdout().strip();
  }

  private static void log(String line) {
    System.out.println("InClusterIT: " + line);
  }

  @BeforeAll
  static void cluster() throws Exception {
    long t0 = System.nanoTime();
    ok(TestHosts.exec(List.of(TestHosts.script(), "operator-image", IMAGE_REPO + ":" + IMAGE_TAG)),
        "testhosts operator-image");
    long t1 = System.nanoTime();
    String export = ok(TestHosts.exec(List.of(CONTROLPLANE, "up", "--node")), "controlplane up --node");
    assertTrue(export.startsWith("export KUBECONFIG="), export);
    kubeconfig = Path.of(export.substring("export KUBECONFIG=".length()));
    long t2 = System.nanoTime();
    ok(TestHosts.exec(List.of(CONTROLPLANE, "node-image", IMAGE_REPO + ":" + IMAGE_TAG)), "controlplane node-image");
    log(String.format("image built in %.1f s, cluster up in %.1f s, image loaded in %.1f s", (t1 - t0) / 1e9,
        (t2 - t1) / 1e9, (System.nanoTime() - t2) / 1e9));
    k = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(Files.readString(kubeconfig))).build();
    vm = HOSTS.boot("pod1");
  }

  @AfterAll
  static void down() {
    if (k != null) {
      k.close();
    }
    // stops the node's processes and pods, removes its mounts, bridge and iptables chains
    TestHosts.exec(List.of(CONTROLPLANE, "down", "--node"));
  }

  private static List<Pod> pods() {
    return k.pods().inNamespace(NS).withLabelSelector(SELECTOR).list().getItems();
  }

  private static boolean ready(Pod p) {
    return p.getMetadata().getDeletionTimestamp() == null && p.getStatus() != null && p.getStatus().getConditions() != null
        && p.getStatus().getConditions().stream().anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  private static Set<String> readyPods() {
    return pods().stream().filter(InClusterIT::ready).map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
  }

  private static String describePods() {
    StringBuilder b = new StringBuilder();
    for (Pod p : pods()) {
      b.append("\n").append(p.getMetadata().getName()).append(" ").append(p.getStatus().getPhase())
          .append(" ").append(p.getStatus().getContainerStatuses());
      b.append("\n  log: ").append(TestHosts.exec(List.of("kubectl", "--kubeconfig", kubeconfig.toString(), "logs",
          "-n", NS, "--tail", "20", p.getMetadata().getName())).stdout());
    }
    k.v1().events().inNamespace(NS).list().getItems().stream().filter(e -> !"Normal".equals(e.getType()))
        .forEach(e -> b.append("\nevent: ").append(e.getInvolvedObject().getName()).append(" ").append(e.getReason())
            .append(" ").append(e.getMessage()));
    return b.toString();
  }

  private static void until(Duration timeout, Supplier<Boolean> condition, Supplier<String> state) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.get()) {
        return;
      }
      Thread.sleep(500);
    }
    throw new AssertionError("not within " + timeout.toSeconds() + " s: " + state.get());
  }

  private static String holder() {
    Lease lease = k.leases().inNamespace(NS).withName("hostops-leader").get();
    return lease == null || lease.getSpec() == null ? null : lease.getSpec().getHolderIdentity();
  }

  private static boolean serviceReady(long generation) {
    HostService s = k.resources(HostService.class).inNamespace(TEAM).withName("web").get();
    return s != null && s.getStatus() != null && s.getStatus().observedGeneration != null
        && s.getStatus().observedGeneration >= generation && s.getStatus().conditions.stream()
        .anyMatch(x -> "Ready".equals(x.type) && "True".equals(x.status));
  }

  private static String service() {
    HostService s = k.resources(HostService.class).inNamespace(TEAM).withName("web").get();
    return (s == null ? "none" : String.valueOf(s.getStatus())) + describePods();
  }

  private static ExecResult kubectl(String... args) {
    List<String> cmd = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    cmd.addAll(List.of(args));
    return TestHosts.exec(cmd);
  }

  private static Helm chart() {
    return new Helm(Chart.DIR);
  }

  @Test
  @Order(1)
  void theChartsPodRunsUnderTheKubeletAndBringsAServiceToReady() throws Exception {
    long t0 = System.nanoTime();
    Release installed = chart().install().withName(Chart.RELEASE).withNamespace(NS).createNamespace()
        .withKubeConfig(kubeconfig).set("image.repository", IMAGE_REPO).set("image.tag", IMAGE_TAG)
        .set("image.pullPolicy", "Never").set("lokiUrl", "http://loki.test:3100/loki/api/v1/push")
        .set("resyncSeconds", "5").set("sshTimeoutSeconds", "10").call();
    assertEquals("deployed", installed.getStatus());
    // Ready through the chart's own readiness probe, run by the kubelet
    until(Duration.ofSeconds(180), () -> readyPods().size() == 1, InClusterIT::describePods);
    log(String.format("helm install to a Ready pod: %.1f s", (System.nanoTime() - t0) / 1e9));
    Pod pod = pods().get(0);
    // the kubelet mounted the projected ServiceAccount token; the operator authenticated with it (the pod
    // would not be Ready otherwise: its informers need the API)
    assertTrue(pod.getSpec().getVolumes().stream().anyMatch(v -> v.getProjected() != null
        && v.getProjected().getSources().stream().anyMatch(s -> s.getServiceAccountToken() != null)), "projected token volume");
    assertEquals(Chart.RELEASE, pod.getSpec().getServiceAccountName());

    k.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(TEAM).endMetadata().build()).serverSideApply();
    vm.registerForPods(k, TEAM, "vm1");
    HostService svc = new HostService();
    svc.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace(TEAM).build());
    svc.setSpec(new HostServiceSpec());
    svc.getSpec().image = vm.image("hostops/demo:v1");
    svc.getSpec().hosts = List.of("vm1");
    long t1 = System.nanoTime();
    k.resource(svc).create();
    until(Duration.ofSeconds(150), () -> serviceReady(1), InClusterIT::service);
    log(String.format("HostService created to Ready through the pod: %.1f s", (System.nanoTime() - t1) / 1e9));
    assertEquals("active", vm.sh("systemctl is-active web").stdout().strip());

    // the chart's security context, enforced by the real runtime
    String name = pod.getMetadata().getName();
    assertEquals("65532", ok(kubectl("exec", "-n", NS, name, "--", "id", "-u"), "kubectl exec id"));
    ExecResult write = kubectl("exec", "-n", NS, name, "--", "touch", "/hostops-write-test");
    assertNotEquals(0, write.exitCode(), "a write to / succeeded in the pod");
    assertTrue(write.stderr().contains("Read-only file system"), write.stderr());
    // the API reached through the `kubernetes` Service (the environment the kubelet gives every pod)
    String env = ok(kubectl("exec", "-n", NS, name, "--", "printenv", "KUBERNETES_SERVICE_HOST"), "printenv");
    assertEquals(k.services().inNamespace("default").withName("kubernetes").get().getSpec().getClusterIP(), env);
  }

  @Test
  @Order(2)
  void anUpgradeRollsThePodsAndTheOtherReplicaTakesOverWhenTheLeaderIsDeleted() throws Exception {
    Set<String> before = pods().stream().map(p -> p.getMetadata().getName()).collect(Collectors.toSet());
    long t0 = System.nanoTime();
    Release upgraded = chart().upgrade().withName(Chart.RELEASE).withNamespace(NS).withKubeConfig(kubeconfig)
        .set("image.repository", IMAGE_REPO).set("image.tag", IMAGE_TAG).set("image.pullPolicy", "Never")
        .set("lokiUrl", "http://loki.test:3100/loki/api/v1/push").set("resyncSeconds", "4").set("sshTimeoutSeconds", "10")
        .set("replicaCount", "2").call();
    assertEquals("deployed", upgraded.getStatus());
    assertEquals("2", upgraded.getRevision());
    // a changed pod template: a new ReplicaSet, the old pod gone
    until(Duration.ofSeconds(240), () -> {
      List<Pod> now = pods();
      return now.size() == 2 && now.stream().allMatch(p -> ready(p) && !before.contains(p.getMetadata().getName()));
    }, InClusterIT::describePods);
    log(String.format("helm upgrade to two new Ready pods: %.1f s", (System.nanoTime() - t0) / 1e9));
    Set<String> names = readyPods();
    until(Duration.ofSeconds(60), () -> names.contains(holder()), () -> "lease holder " + holder() + ", pods " + names);
    String leader = holder();
    until(Duration.ofSeconds(60), () -> serviceReady(1), InClusterIT::service);

    long t1 = System.nanoTime();
    k.pods().inNamespace(NS).withName(leader).delete();
    String other = names.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    // a live replica takes the lease: the one already running, or the pod the Deployment starts in the deleted
    // one's place (seen once: the leaving leader released the lease and the new pod was first to take it)
    until(Duration.ofSeconds(90), () -> {
      String h = holder();
      return h != null && !h.equals(leader) && readyPods().contains(h);
    }, () -> "lease holder " + holder() + describePods());
    log(String.format("leader pod deleted to another pod holding the lease (%s): %.1f s",
        other.equals(holder()) ? "the standby" : "the replacement", (System.nanoTime() - t1) / 1e9));
    assertTrue(serviceReady(1), "the service stayed Ready: " + service());

    // an edit is applied by the new leader
    HostService svc = k.resources(HostService.class).inNamespace(TEAM).withName("web").get();
    svc.getSpec().image = vm.image("hostops/demo:v2");
    long generation = k.resource(svc).update().getMetadata().getGeneration();
    until(Duration.ofSeconds(120), () -> serviceReady(generation), InClusterIT::service);
    assertTrue(vm.sh("cat /etc/systemd/system/web.service").stdout().contains("hostops/demo:v2"), "unit not updated");
    // the Deployment replaced the deleted pod
    until(Duration.ofSeconds(120), () -> readyPods().size() == 2, InClusterIT::describePods);
  }

  @Test
  @Order(3)
  void uninstallLeavesNothingRunning() throws Exception {
    String out = Helm.uninstall(Chart.RELEASE).withNamespace(NS).withKubeConfig(kubeconfig).call();
    assertTrue(out.contains("uninstalled"), out);
    until(Duration.ofSeconds(120), () -> pods().isEmpty(), InClusterIT::describePods);
    // nothing left running in the node's containerd (the operator's pods were the only pods): no task
    until(Duration.ofSeconds(60), () -> TestHosts.exec(List.of("ctr", "--address", "/run/hostops-node/containerd.sock",
        "-n", "k8s.io", "tasks", "ls", "-q")).stdout().isBlank(), () -> TestHosts.exec(List.of(
        "ctr", "--address", "/run/hostops-node/containerd.sock", "-n", "k8s.io", "tasks", "ls")).stdout());
    assertFalse(k.apps().deployments().inNamespace(NS).list().getItems().stream()
        .anyMatch(d -> d.getMetadata().getName().equals(Chart.RELEASE)), "Deployment left");
    // the service on the host is not the chart's: it keeps running (Helm keeps the CRDs and resources)
    assertNotNull(k.resources(HostService.class).inNamespace(TEAM).withName("web").get());
    assertEquals("active", vm.sh("systemctl is-active web").stdout().strip());
  }
}
