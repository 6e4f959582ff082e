package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.LogAgentSpec;
import dev.hostops.api.LogJob;
import dev.hostops.api.LogScrape;
import dev.hostops.api.LogScrapeSpec;
import dev.hostops.api.LogSpec;
import dev.hostops.api.Volume;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * LogScrapes on a real host, with a stand-in promtail container (no promtail image can be had
 * here) that mounts the config like the runbook's promtail unit and records each SIGHUP reload.
 */
class LogScrapeTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static OperatorHarness k8s;
  private static TestHost host;

  @BeforeAll
  static void start() throws Exception {
    host = HOSTS.boot("logs");
    k8s = new OperatorHarness(RESYNC, Duration.ofSeconds(10));
    k8s.addHost(host, "vm1", "root", Map.of("env", "prod"));
    k8s.editHost("vm1", h -> {
      h.getSpec().logAgent = new LogAgentSpec();
      h.getSpec().logAgent.lokiUrl = "http://loki.internal:3100/loki/api/v1/push";
    });

    HostService promtail = k8s.service("promtail", "registry.hostops.test:5000/hostops/busybox:latest", "vm1");
    Volume config = new Volume();
    config.hostPath = "/root/promtail";
    config.mountPath = "/etc/promtail";
    config.readOnly = true;
    Volume data = new Volume();
    data.hostPath = "/root/promtail/data";
    data.mountPath = "/var/lib/promtail";
    promtail.getSpec().volumes = List.of(config, data);
    promtail.getSpec().logs = new LogSpec();
    promtail.getSpec().logs.mount = true;
    // like promtail: once it has a config, it records positions in the file the config names
    promtail.getSpec().args = List.of("sh", "-c", "trap 'cp /etc/promtail/promtail.yaml /var/logs/promtail-seen.yaml;"
        + " echo reload >> /var/logs/promtail-reloads.log' HUP;"
        + " until [ -f /etc/promtail/promtail.yaml ]; do sleep 1; done;"
        + " p=$(sed -n 's/^  filename: //p' /etc/promtail/promtail.yaml);"
        + " echo \"started $(hostname) $(cat /proc/sys/kernel/random/uuid)\" >> \"$p\";"
        + " while true; do sleep 1; done");
    k8s.create(promtail);
    Await.until(WAIT, () -> OperatorHarness.ready(k8s.get("promtail")), () -> describe(k8s.get("promtail")));
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  static LogScrape scrape(String name, List<LogJob> jobs, List<String> services) {
    LogScrape s = new LogScrape();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    s.setSpec(new LogScrapeSpec());
    s.getSpec().hostSelector = new LabelSelectorBuilder().addToMatchLabels("env", "prod").build();
    s.getSpec().jobs = jobs;
    s.getSpec().services = services;
    return s;
  }

  private static LogScrape get(String name) {
    return k8s.client.resources(LogScrape.class).inNamespace(NS).withName(name).get();
  }

  private static int reloads() {
    return Integer.parseInt(host.shOk("cat /root/var/logs/promtail-reloads.log 2>/dev/null | wc -l"));
  }

  private static boolean ready(LogScrape s) {
    return s != null && s.getStatus() != null && s.getStatus().conditions.stream()
        .anyMatch(c -> "Ready".equals(c.type) && "True".equals(c.status));
  }

  @Test
  void configFollowsTheLogScrapesAndReloadsOnlyOnChange() throws Exception {
    LogJob app = new LogJob();
    app.name = "museum-audit";
    app.path = "/root/var/logs/audit/*.log";
    app.labels = Map.of("team", "museum");
    k8s.client.resource(scrape("museum", List.of(app), List.of("museum"))).create();
    Await.until(WAIT, () -> ready(get("museum")), () -> describe(get("museum")));
    assertEquals("1/1", get("museum").getStatus().readyHosts);
    Await.until(WAIT, () -> reloads() >= 1, () -> host.sh("ls -la /root/var/logs").stdout());

    String file = host.shOk("cat /root/promtail/promtail.yaml");
    assertTrue(file.contains("job_name: museum-audit") && file.contains("__path__: /root/var/logs/audit/*.log")
        && file.contains("team: museum") && file.contains("job_name: museum\n")
        && file.contains("__path__: /root/var/logs/museum.log") && file.contains("job_name: docker")
        && file.contains("url: http://loki.internal:3100/loki/api/v1/push")
        && file.contains("host: " + host.shOk("hostname")), file);
    assertEquals(file, host.shOk("cat /root/var/logs/promtail-seen.yaml"), "the agent saw the new file on reload");

    // nothing changed: resyncs write nothing and reload nothing
    int before = reloads();
    String mtime = host.shOk("stat -c %Y /root/promtail/promtail.yaml");
    Thread.sleep(RESYNC.toMillis() * 3);
    assertEquals(before, reloads());
    assertEquals(mtime, host.shOk("stat -c %Y /root/promtail/promtail.yaml"));

    // a second LogScrape claiming a job of the first: both reported, the file stays as it was
    k8s.client.resource(scrape("clash", null, List.of("museum"))).create();
    Await.until(WAIT, () -> get("clash").getStatus() != null && get("clash").getStatus().conditions.stream()
        .anyMatch(c -> "Degraded".equals(c.type) && "True".equals(c.status)), () -> describe(get("clash")));
    Await.until(WAIT, () -> get("museum").getStatus().conditions.stream()
        .anyMatch(c -> "Degraded".equals(c.type) && "True".equals(c.status)), () -> describe(get("museum")));
    assertTrue(k8s.host("vm1").getStatus().logConfig.problem.contains("job museum is claimed by LogScrape clash and "
        + "LogScrape museum"), describe(k8s.host("vm1").getStatus().logConfig));
    assertEquals(file, host.shOk("cat /root/promtail/promtail.yaml"), "nothing half-applied");
    assertEquals(before, reloads());
    k8s.client.resource(get("clash")).delete();
    Await.until(WAIT, () -> ready(get("museum")), () -> describe(get("museum")));

    // deleting the LogScrape removes its jobs and reloads once
    k8s.client.resource(get("museum")).delete();
    Await.until(WAIT, () -> !host.shOk("cat /root/promtail/promtail.yaml").contains("museum"),
        () -> host.shOk("cat /root/promtail/promtail.yaml"));
    Await.until(WAIT, () -> reloads() == before + 1, () -> String.valueOf(reloads()));
    assertTrue(host.shOk("cat /root/promtail/promtail.yaml").contains("job_name: docker"), "defaults stay");
  }

  @Test
  void positionsOnTheHostSurviveARestartOfTheAgent() throws Exception {
    String positions = "/root/promtail/data/positions.yaml";
    Await.until(WAIT, () -> host.sh("test -s " + positions).ok(), () -> host.sh("ls -la /root/promtail").stdout());
    String before = host.shOk("cat " + positions);
    String container = host.shOk("docker inspect -f '{{.Id}}' promtail");
    host.shOk("systemctl restart promtail"); // the unit removes the container and runs a new one
    Await.until(WAIT, () -> host.shOk("cat " + positions).lines().count() == before.lines().count() + 1,
        () -> host.shOk("cat " + positions));
    assertTrue(!container.equals(host.shOk("docker inspect -f '{{.Id}}' promtail")), "a new container");
    assertTrue(host.shOk("cat " + positions).startsWith(before), "what the old container recorded is still there");
  }

  @Test
  void aHostCanAskForAlloyInstead() {
    TestHost other = HOSTS.boot("alloy");
    k8s.addHost(other, "vm2", "root", Map.of("env", "alloy"));
    k8s.editHost("vm2", h -> {
      h.getSpec().logAgent = new LogAgentSpec();
      h.getSpec().logAgent.format = "alloy";
      h.getSpec().logAgent.lokiUrl = "http://loki.internal:3100/loki/api/v1/push";
    });
    LogScrape s = scrape("alloyjobs", null, List.of("listmonk"));
    s.getSpec().hostSelector = new LabelSelectorBuilder().addToMatchLabels("env", "alloy").build();
    k8s.client.resource(s).create();
    Await.until(WAIT, () -> ready(get("alloyjobs")), () -> describe(get("alloyjobs")));
    // the host may have had its jobs in effect as promtail config just before its format changed
    Await.until(WAIT, () -> other.sh("test -f /root/alloy/config.alloy").ok(),
        () -> describe(k8s.host("vm2").getStatus()));
    String config = other.shOk("cat /root/alloy/config.alloy");
    assertTrue(config.contains("local.file_match \"job_listmonk\"")
        && config.contains("\"__path__\" = \"/root/var/logs/listmonk.log\"")
        && config.contains("url = \"http://loki.internal:3100/loki/api/v1/push\""), config);
    assertFalse(other.sh("test -e /root/promtail/promtail.yaml").ok());
  }
}
