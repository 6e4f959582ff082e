package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.cli.Manifests;
import dev.hostops.cli.StandIns;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every example in examples/ applied to two real hosts, images replaced by local stand-ins (no
 * public registry is reachable here): each becomes Ready, and deleting them leaves the hosts clean.
 */
class ExamplesTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();

  @Test
  void everyExampleRunsAndIsRemovedCleanly() throws Exception {
    List<TestHost> hosts = HOSTS.boot("ex1", "ex2");
    try (OperatorHarness k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(10))) {
      k8s.addHost(hosts.get(0), "vm1", "root", Map.of("env", "demo"));
      k8s.addHost(hosts.get(1), "vm2", "ubuntu", Map.of("env", "demo"));
      List<HasMetadata> resources = new StandIns("registry.hostops.test:5000/hostops/demo:v1",
          "registry.hostops.test:5000/hostops/busybox:latest").apply(Manifests.read(List.of(Path.of("../examples")), NS));
      List<String> services = resources.stream().filter(HostService.class::isInstance)
          .map(r -> r.getMetadata().getName()).toList();
      assertEquals(List.of("backup", "grafana", "listmonk", "museum", "nginx", "promtail", "sentry"), services);
      resources.forEach(r -> k8s.client.resource(r).create());

      for (String name : services) {
        Await.until(Duration.ofSeconds(120), () -> ready(k8s.get(name)), () -> describe(k8s.get(name)));
      }
      for (HasMetadata r : resources) {
        if (r instanceof dev.hostops.api.LogScrape) {
          Await.until(Duration.ofSeconds(60), () -> {
            var s = k8s.client.resources(dev.hostops.api.LogScrape.class).inNamespace(NS).withName(r.getMetadata().getName()).get();
            return s.getStatus() != null && "2/2".equals(s.getStatus().readyHosts);
          }, () -> describe(k8s.client.resource(r).get()));
        }
      }
      TestHost vm1 = hosts.get(0);
      assertTrue(vm1.shOk("cat /root/promtail/promtail.yaml").contains("job_name: nginx-access"));
      assertEquals("600", vm1.shOk("stat -c %a /root/museum/credentials.yaml"));
      assertEquals("default.conf museum.conf", vm1.shOk("docker exec nginx ls /etc/nginx/conf.d | tr '\\n' ' '").strip(),
          "nginx's conf.d is the ConfigMap, one file per key");
      assertTrue(vm1.shOk("cat /etc/systemd/system/backup.timer").contains("OnCalendar=daily"));
      assertTrue(hosts.get(1).shOk("cat /etc/systemd/system/listmonk.service").contains("stand-in for: ./listmonk"));
      assertEquals("2", hosts.get(1).shOk("docker ps -q --filter label=com.docker.compose.project=sentry | wc -l"));

      services.forEach(k8s::delete);
      Await.until(Duration.ofSeconds(60), () -> services.stream().allMatch(n -> k8s.get(n) == null),
          () -> services.toString());
      for (TestHost h : hosts) {
        assertEquals("", h.shOk("ls /var/lib/hostops/services"), "no service left on " + h);
        assertEquals("", h.shOk("ls /etc/systemd/system | grep -E '^(" + String.join("|", services) + ")\\.' || true"));
        assertFalse(h.shOk("docker ps -a --format '{{.Names}}'").contains("museum"));
      }
    }
  }
}
