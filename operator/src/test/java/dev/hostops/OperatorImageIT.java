package dev.hostops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.ssh.ExecResult;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.KubeApi;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator image, built from the Dockerfile on a Debian JRE base made here (no public registry
 * is reachable), run the way the chart's Deployment runs it (its user, read-only root filesystem,
 * dropped capabilities, /tmp as the only writable place, its environment, the chart's ServiceAccount)
 * against a real API server and a real host: it brings a HostService to Ready.
 */
class OperatorImageIT {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final String IMAGE = "hostops-operator:it";
  private static final String CONTAINER = "hostops-operator-it-" + ProcessHandle.current().pid();
  private static final String OPERATOR_NS = "hostops-system";
  private static final String NS = "team";

  @AfterAll
  static void stop() {
    TestHosts.exec(List.of("docker", "rm", "-f", CONTAINER));
  }

  private static String ok(ExecResult r, String what) {
    assertEquals(0, r.exitCode(), what + ": " + r.stderr() + r.stdout());
    return r.stdout().strip();
  }

  @Test
  void theImageRunAsTheChartRunsItBringsAServiceToReady() throws Exception {
    ok(TestHosts.exec(List.of(TestHosts.script(), "operator-image", IMAGE)), "testhosts operator-image");
    TestHost vm = HOSTS.boot("img1");
    try (KubeApi api = KubeApi.start()) {
      api.namespace(NS);
      api.namespace(OPERATOR_NS);
      List<HasMetadata> chart = Chart.render(OPERATOR_NS);
      api.apply(chart.stream().filter(o -> !o.getKind().equals("Deployment") && !o.getKind().equals("Service")).toList());
      Path kubeconfig = api.kubeconfigAs(OPERATOR_NS, Chart.serviceAccount(chart));
      Files.setPosixFilePermissions(kubeconfig, PosixFilePermissions.fromString("rw-r--r--"));

      PodSpec pod = chart.stream().filter(Deployment.class::isInstance).map(Deployment.class::cast).findFirst()
          .orElseThrow().getSpec().getTemplate().getSpec();
      Container c = pod.getContainers().get(0);
      int metrics;
      try (ServerSocket s = new ServerSocket(0)) {
        metrics = s.getLocalPort();
      }
      List<String> run = new ArrayList<>(List.of("docker", "run", "-d", "--name", CONTAINER, "--network", "host",
          "--user", pod.getSecurityContext().getRunAsUser() + ":" + pod.getSecurityContext().getRunAsGroup()));
      if (Boolean.TRUE.equals(c.getSecurityContext().getReadOnlyRootFilesystem())) {
        run.add("--read-only");
      }
      if (Boolean.FALSE.equals(c.getSecurityContext().getAllowPrivilegeEscalation())) {
        run.addAll(List.of("--security-opt", "no-new-privileges"));
      }
      c.getSecurityContext().getCapabilities().getDrop().forEach(cap -> run.addAll(List.of("--cap-drop", cap)));
      c.getVolumeMounts().forEach(m -> run.addAll(List.of("--tmpfs", m.getMountPath()))); // the chart's emptyDirs
      for (var env : c.getEnv()) {
        if (env.getValue() != null && !env.getName().equals("HOSTOPS_METRICS_PORT")) {
          run.addAll(List.of("-e", env.getName() + "=" + env.getValue()));
        }
      }
      run.addAll(List.of("-e", "POD_NAMESPACE=" + OPERATOR_NS, "-e", "HOSTOPS_METRICS_PORT=" + metrics,
          "-e", "HOSTOPS_LOKI_URL=http://loki.test:3100/loki/api/v1/push",
          "-e", "KUBECONFIG=/var/run/hostops/kubeconfig", "-v", kubeconfig + ":/var/run/hostops/kubeconfig:ro",
          IMAGE));
      run.addAll(c.getArgs() == null ? List.of() : c.getArgs());
      ok(TestHosts.exec(run), "docker run");

      KubernetesClient k = api.admin();
      vm.register(k, NS, "vm1");
      HostService svc = new HostService();
      svc.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace(NS).build());
      svc.setSpec(new HostServiceSpec());
      svc.getSpec().image = vm.image("hostops/demo:v1");
      svc.getSpec().hosts = List.of("vm1");
      k.resource(svc).create();

      long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
      HostService now = null;
      while (System.nanoTime() < deadline) {
        now = k.resources(HostService.class).inNamespace(NS).withName("web").get();
        if (now.getStatus() != null && now.getStatus().conditions.stream()
            .anyMatch(x -> "Ready".equals(x.type) && "True".equals(x.status))) {
          break;
        }
        Thread.sleep(500);
      }
      String logs = TestHosts.exec(List.of("docker", "logs", "--tail", "30", CONTAINER)).stdout();
      assertTrue(now != null && now.getStatus() != null && now.getStatus().conditions.stream()
          .anyMatch(x -> "Ready".equals(x.type) && "True".equals(x.status)), "not Ready; operator log:\n" + logs);
      assertEquals("active", vm.sh("systemctl is-active web").stdout().strip());
      assertEquals("65532", ok(TestHosts.exec(List.of("docker", "exec", CONTAINER, "id", "-u")), "id"));
      assertTrue(TestHosts.exec(List.of("docker", "exec", CONTAINER, "touch", "/app/x")).exitCode() != 0,
          "root filesystem writable");
      ExecResult ready = TestHosts.exec(List.of("curl", "-fsS", "http://127.0.0.1:" + metrics + "/readyz"));
      assertEquals(0, ready.exitCode(), ready.stderr());
    }
  }
}
