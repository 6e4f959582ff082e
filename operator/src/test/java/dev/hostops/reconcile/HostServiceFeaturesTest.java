package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static dev.hostops.reconcile.OperatorHarness.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.ComposeSpec;
import dev.hostops.api.EnvSource;
import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.LogSpec;
import dev.hostops.api.PreStartStep;
import dev.hostops.api.RestartSpec;
import dev.hostops.api.RolloutSpec;
import dev.hostops.api.ScheduleSpec;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import dev.hostops.api.Volume;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Every HostService feature the runbook's services use, observed on real hosts. */
class HostServiceFeaturesTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static OperatorHarness k8s;
  private static TestHost a;
  private static TestHost b;
  private static TestHost c;

  @BeforeAll
  static void start() throws Exception {
    List<TestHost> booted = HOSTS.boot("fa", "fb", "fc");
    a = booted.get(0);
    b = booted.get(1);
    c = booted.get(2);
    k8s = new OperatorHarness(RESYNC, Duration.ofSeconds(10));
    k8s.addHost(a, "a", "root", Map.of("tier", "app"));
    k8s.addHost(b, "b", "ubuntu", Map.of("tier", "app"));
    k8s.addHost(c, "c", "root", Map.of("tier", "app"));
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  private static HostService awaitReady(String name) {
    return k8s.awaitReady(name, WAIT);
  }

  private static String image(String tag) {
    return "registry.hostops.test:5000/hostops/demo:" + tag;
  }

  private static ServiceFile file(String name, String mountPath) {
    ServiceFile f = new ServiceFile();
    f.name = name;
    f.mountPath = mountPath;
    return f;
  }

  @Test
  void filesFromSecretsAndConfigMapsRestartOnlyWhenTheirContentChanges() throws Exception {
    k8s.secret("museum-credentials", Map.of("credentials.yaml", "db:\n  password: s3cr3t $HOME %n\n"));
    k8s.secret("museum-env", Map.of("API_TOKEN", "tok'en \"with\" $pecial %chars", "REGION", "eu"));
    k8s.configMap("museum-config", Map.of("museum.yaml", "http:\n  port: 8080\n"));
    k8s.secret("unrelated", Map.of("x", "1"));

    HostService s = k8s.service("museum", image("v1"), "a");
    ServiceFile creds = file("credentials.yaml", "/credentials.yaml");
    creds.secretRef = new ValueSource("museum-credentials", "credentials.yaml");
    ServiceFile config = file("museum.yaml", "/museum.yaml");
    config.configMapRef = new ValueSource("museum-config", "museum.yaml");
    ServiceFile inline = file("notes.txt", null);
    inline.content = "inline, not mounted\n";
    s.getSpec().files = List.of(creds, config, inline);
    EnvSource env = new EnvSource();
    env.secretRef = new ValueSource("museum-env", null);
    s.getSpec().envFrom = List.of(env);
    s.getSpec().pull = "Never";
    a.shOk("docker pull " + a.image("hostops/demo:v1") + " >/dev/null && docker tag " + a.image("hostops/demo:v1")
        + " " + image("v1"));
    k8s.create(s);
    awaitReady("museum");

    assertEquals("700", a.shOk("stat -c %a /root/museum"));
    assertEquals("600 db:\n  password: s3cr3t $HOME %n", a.shOk("stat -c %a /root/museum/credentials.yaml")
        + " " + a.shOk("cat /root/museum/credentials.yaml"));
    assertEquals("644", a.shOk("stat -c %a /root/museum/museum.yaml"));
    assertEquals("inline, not mounted", a.shOk("cat /root/museum/notes.txt"));
    assertEquals("600", a.shOk("stat -c %a /root/museum/secret-museum-env.env"));
    assertEquals("db:\n  password: s3cr3t $HOME %n", a.shOk("docker exec museum cat /credentials.yaml"));
    assertEquals("tok'en \"with\" $pecial %chars", a.shOk("docker exec museum sh -c 'printf %s \"$API_TOKEN\"'"));
    assertFalse(a.shOk("cat /etc/systemd/system/museum.service").contains("tok'en"), "secrets stay out of the unit");
    assertFalse(describe(k8s.get("museum")).contains("s3cr3t"), "secrets stay out of the status");
    assertFalse(a.sh("docker exec museum cat /notes.txt").ok(), "a file without mountPath is not mounted");

    // an unrelated Secret changes: nothing happens
    String started = a.shOk("docker inspect -f '{{.State.StartedAt}}' museum");
    k8s.secret("unrelated", Map.of("x", "2"));
    Thread.sleep(RESYNC.toMillis() * 2);
    assertEquals(started, a.shOk("docker inspect -f '{{.State.StartedAt}}' museum"));

    // the referenced Secret changes: file rewritten, service restarted
    k8s.secret("museum-credentials", Map.of("credentials.yaml", "db:\n  password: rotated\n"));
    Await.until(WAIT, () -> a.shOk("docker exec museum cat /credentials.yaml").contains("rotated"),
        () -> a.shOk("cat /root/museum/credentials.yaml"));
    assertNotEquals(started, a.shOk("docker inspect -f '{{.State.StartedAt}}' museum"));
    awaitReady("museum");

    // a missing Secret is reported by field, and nothing on the host changes
    k8s.edit("museum", svc -> svc.getSpec().files.get(0).secretRef = new ValueSource("nope", "credentials.yaml"));
    Await.until(WAIT, () -> "InvalidSpec".equals(reason(k8s.get("museum"), "Degraded")), () -> describe(k8s.get("museum")));
    assertTrue(message(k8s.get("museum"), "Degraded").contains("spec.files[0].secretRef: Secret nope not found"));
    assertEquals("db:\n  password: rotated", a.shOk("cat /root/museum/credentials.yaml"));

    String events = describe(k8s.client.v1().events().inNamespace(OperatorHarness.NS).list().getItems());
    assertTrue(events.contains("wrote /root/museum/credentials.yaml"), "events say what was done");
    for (String secret : List.of("s3cr3t", "rotated", "tok'en", "$pecial")) {
      assertFalse(events.contains(secret), "no secret in events: " + secret);
      assertFalse(describe(k8s.get("museum")).contains(secret), "no secret in status: " + secret);
    }

    k8s.delete("museum");
    Await.until(WAIT, () -> k8s.get("museum") == null, () -> describe(k8s.get("museum")));
    assertFalse(a.sh("test -e /root/museum").ok(), "files removed with the service");
  }

  @Test
  void dockerRunOptionsReachTheContainer() {
    HostService s = k8s.service("opts", image("v1"), "b");
    Volume named = new Volume();
    named.name = "opts-data";
    named.mountPath = "/data";
    Volume bind = new Volume();
    bind.hostPath = "/etc/hostname";
    bind.mountPath = "/host-hostname";
    bind.readOnly = true;
    s.getSpec().volumes = List.of(named, bind);
    s.getSpec().hostname = "%H";
    s.getSpec().addHosts = List.of("host.docker.internal:host-gateway", "db.internal:10.1.2.3");
    s.getSpec().capAdd = List.of("NET_ADMIN");
    s.getSpec().logs = new LogSpec();
    s.getSpec().logs.mount = true;
    s.getSpec().logs.options = List.of("max-size=10m");
    s.getSpec().extraArgs = List.of("--memory=64m", "--init");
    s.getSpec().env = List.of(new EnvVar("LOG_NAME", "opts"));
    s.getSpec().ports = List.of("127.0.0.1:8053:53/udp");
    s.getSpec().args = List.of("first arg", "$second");
    k8s.create(s);
    awaitReady("opts");

    String inspect = b.shOk("docker inspect -f '{{.Config.Hostname}}|{{json .HostConfig.ExtraHosts}}|"
        + "{{json .HostConfig.CapAdd}}|{{.HostConfig.LogConfig.Config}}|{{.HostConfig.Memory}}|{{.HostConfig.Init}}|"
        + "{{json .Config.Cmd}}|{{json .HostConfig.PortBindings}}' opts");
    String[] f = inspect.split("\\|");
    assertEquals(b.shOk("hostname"), f[0], "--hostname %H is the host's name");
    assertTrue(f[1].contains("host.docker.internal:host-gateway") && f[1].contains("db.internal:10.1.2.3"), f[1]);
    assertTrue(f[2].contains("NET_ADMIN"), f[2]);
    assertEquals("map[max-size:10m]", f[3]);
    assertEquals(String.valueOf(64 * 1024 * 1024), f[4]);
    assertEquals("true", f[5]);
    assertEquals("[\"first arg\",\"$second\"]", f[6]);
    assertTrue(f[7].contains("53/udp") && f[7].contains("8053"), f[7]);
    assertEquals(b.shOk("cat /etc/hostname"), b.shOk("docker exec opts cat /host-hostname"));
    assertFalse(b.sh("docker exec opts sh -c 'echo x > /host-hostname'").ok(), "read-only bind mount");
    assertTrue(b.shOk("docker volume ls -q").contains("opts-data"));
    Await.until(WAIT, () -> b.sh("cat /root/var/logs/opts.log").stdout().contains("hello"),
        () -> b.sh("ls -la /root/var/logs").stdout());
    k8s.delete("opts");
    Await.until(WAIT, () -> k8s.get("opts") == null, () -> describe(k8s.get("opts")));
    assertTrue(b.shOk("docker volume ls -q").contains("opts-data"), "named volumes are data: kept");
  }

  @Test
  void reloadPreStartDependenciesAndStdoutToFile() throws Exception {
    HostService base = k8s.service("dep-base", image("v1"), "c");
    k8s.create(base);
    HostService s = k8s.service("web-nginx", image("v1"), "c");
    ServiceFile conf = file("nginx.conf", "/etc/nginx.conf");
    conf.content = "worker_processes 1;\n";
    s.getSpec().files = List.of(conf);
    s.getSpec().reload = List.of("sh", "-c", "cat /etc/nginx.conf >> /var/logs/reloads.log");
    PreStartStep migrate = new PreStartStep();
    migrate.image = "registry.hostops.test:5000/hostops/busybox:latest";
    migrate.args = List.of("sh", "-c", "echo migrated >> /var/logs/migrations.log");
    s.getSpec().preStart = List.of(migrate);
    s.getSpec().requires = List.of("dep-base");
    s.getSpec().logs = new LogSpec();
    s.getSpec().logs.mount = true;
    s.getSpec().logs.stdoutToFile = true;
    s.getSpec().env = List.of(new EnvVar("MESSAGE", "to stdout"), new EnvVar("LOG_NAME", "inside"));
    s.getSpec().restart = new RestartSpec();
    s.getSpec().restart.startLimitBurst = 3;
    s.getSpec().restart.startLimitIntervalSeconds = 60;
    k8s.create(s);
    awaitReady("web-nginx");
    awaitReady("dep-base");

    assertEquals("migrated", c.shOk("cat /root/var/logs/migrations.log"), "the pre-start step ran once");
    assertTrue(c.shOk("systemctl show -p Requires --value web-nginx").contains("dep-base.service"));
    assertEquals("3", c.shOk("systemctl show -p StartLimitBurst --value web-nginx"));
    Await.until(WAIT, () -> c.sh("cat /root/var/logs/web-nginx.log").stdout().contains("to stdout"),
        () -> c.sh("ls -la /root/var/logs").stdout());

    String started = c.shOk("docker inspect -f '{{.State.StartedAt}}' web-nginx");
    k8s.edit("web-nginx", svc -> svc.getSpec().files.get(0).content = "worker_processes 4;\n");
    Await.until(WAIT, () -> c.sh("cat /root/var/logs/reloads.log").stdout().contains("worker_processes 4;"),
        () -> c.sh("cat /root/var/logs/reloads.log").stdout());
    assertEquals(started, c.shOk("docker inspect -f '{{.State.StartedAt}}' web-nginx"),
        "a config change with a reload command reloads instead of restarting");
    assertEquals("migrated", c.shOk("cat /root/var/logs/migrations.log"), "no restart, so no second migration");

    k8s.delete("web-nginx");
    k8s.delete("dep-base");
    Await.until(WAIT, () -> k8s.get("web-nginx") == null && k8s.get("dep-base") == null,
        () -> describe(k8s.get("web-nginx")));
  }

  @Test
  void aScheduleBecomesATimerAndItsRunsShowInStatus() throws Exception {
    HostService s = k8s.service("backup", image("v1"), "a");
    s.getSpec().schedule = new ScheduleSpec();
    s.getSpec().schedule.onCalendar = "*:*:0/3";
    s.getSpec().args = List.of();
    s.getSpec().logs = new LogSpec();
    s.getSpec().logs.mount = true;
    s.getSpec().restart = new RestartSpec();
    s.getSpec().restart.policy = "no";
    // the demo image's entrypoint loops forever; a job must end, so run a one-shot shell
    s.getSpec().extraArgs = List.of("--entrypoint=/bin/sh");
    s.getSpec().args = List.of("-c", "echo backed up >> /var/logs/backup.log");
    k8s.create(s);
    Await.until(WAIT, () -> k8s.get("backup").getStatus() != null && !k8s.get("backup").getStatus().hosts.isEmpty()
        && "success".equals(on(k8s.get("backup"), "a").lastResult) && on(k8s.get("backup"), "a").nextRun != null,
        () -> describe(k8s.get("backup")));
    HostService seen = k8s.get("backup");
    assertEquals("Scheduled", on(seen, "a").state);
    assertNotNull(on(seen, "a").nextRun);
    assertNotNull(on(seen, "a").lastRun);
    assertTrue(ready(seen));
    assertTrue(a.shOk("cat /root/var/logs/backup.log").contains("backed up"));
    assertEquals("enabled active", a.shOk("systemctl is-enabled backup.timer") + " " + a.shOk("systemctl is-active backup.timer"));
    assertEquals("static", a.sh("systemctl is-enabled backup.service").stdout().strip(), "the timer starts the job");

    k8s.edit("backup", svc -> svc.getSpec().args = List.of("-c", "exit 3"));
    Await.until(WAIT, () -> "Failed".equals(on(k8s.get("backup"), "a").state), () -> describe(k8s.get("backup")));
    assertTrue(on(k8s.get("backup"), "a").lastResult.contains("exit status 3"), on(k8s.get("backup"), "a").lastResult);
    assertEquals("True", OperatorHarness.condition(k8s.get("backup"), "Degraded"));

    k8s.delete("backup");
    Await.until(WAIT, () -> k8s.get("backup") == null, () -> describe(k8s.get("backup")));
    assertFalse(a.sh("test -e /etc/systemd/system/backup.timer").ok());
    assertEquals("inactive", a.sh("systemctl is-active backup.timer").stdout().strip());
  }

  @Test
  void aComposeProjectRunsUnderSystemd() {
    Await.until(WAIT, () -> k8s.host("b").getStatus() != null && k8s.host("b").getStatus().composeCommand != null,
        () -> describe(k8s.host("b").getStatus()));
    HostService s = k8s.service("sentry", null, "b");
    s.getSpec().compose = new ComposeSpec();
    s.getSpec().compose.content = """
        version: "3"
        services:
          web:
            image: registry.hostops.test:5000/hostops/demo:v1
            environment:
              MESSAGE: from compose web
          worker:
            image: registry.hostops.test:5000/hostops/demo:v2
        """;
    k8s.create(s);
    HostService seen = awaitReady("sentry");
    assertEquals("2/2 running", on(seen, "b").container);
    assertEquals("2", b.shOk("docker ps -q --filter label=com.docker.compose.project=sentry | wc -l"));
    assertEquals("active", b.shOk("systemctl is-active sentry"));

    k8s.delete("sentry");
    Await.until(WAIT, () -> k8s.get("sentry") == null, () -> describe(k8s.get("sentry")));
    assertEquals("0", b.shOk("docker ps -aq --filter label=com.docker.compose.project=sentry | wc -l"));
    assertFalse(b.sh("test -e /root/sentry/compose.yaml").ok());
  }

  @Test
  void suspendStopsAndKeepsFilesAndAdoptTakesOverOnlyWhenAsked() {
    c.shOk("printf '[Service]\\nExecStart=/bin/sleep 1000\\n' > /etc/systemd/system/legacy.service"
        + " && systemctl daemon-reload && systemctl start legacy");
    HostService s = k8s.service("legacy", image("v1"), "c");
    k8s.create(s);
    Await.until(WAIT, () -> k8s.get("legacy").getStatus() != null && !k8s.get("legacy").getStatus().hosts.isEmpty()
        && "Refused".equals(on(k8s.get("legacy"), "c").state), () -> describe(k8s.get("legacy")));
    assertTrue(on(k8s.get("legacy"), "c").message.contains("set spec.adopt"), on(k8s.get("legacy"), "c").message);
    assertEquals("[Service]\nExecStart=/bin/sleep 1000", c.shOk("cat /etc/systemd/system/legacy.service"));

    k8s.edit("legacy", svc -> svc.getSpec().adopt = true);
    awaitReady("legacy");
    assertTrue(c.shOk("cat /etc/systemd/system/legacy.service").contains("Managed by hostops"));

    k8s.edit("legacy", svc -> svc.getSpec().suspend = true);
    Await.until(WAIT, () -> "Suspended".equals(on(k8s.get("legacy"), "c").state), () -> describe(k8s.get("legacy")));
    assertEquals("inactive", c.sh("systemctl is-active legacy").stdout().strip());
    assertEquals("disabled", c.sh("systemctl is-enabled legacy").stdout().strip());
    assertTrue(c.sh("test -f /etc/systemd/system/legacy.service").ok(), "files kept while suspended");
    assertEquals("Suspended", reason(k8s.get("legacy"), "Ready"));

    k8s.edit("legacy", svc -> svc.getSpec().suspend = false);
    awaitReady("legacy");
    assertEquals("active", c.shOk("systemctl is-active legacy"));
    k8s.delete("legacy");
    Await.until(WAIT, () -> k8s.get("legacy") == null, () -> describe(k8s.get("legacy")));
  }

  @Test
  void aChangeRollsOutOneHostAtATimeAndHaltsOnFailure() throws Exception {
    HostService s = k8s.service("roll", image("v1"), "a", "b", "c");
    s.getSpec().rollout = new RolloutSpec();
    s.getSpec().rollout.maxUnavailable = 1;
    s.getSpec().rollout.minReadySeconds = 3;
    k8s.create(s);
    awaitReady("roll");

    k8s.edit("roll", svc -> svc.getSpec().image = image("v2"));
    Await.until(WAIT, () -> ready(k8s.get("roll")) && k8s.get("roll").getStatus().hosts.stream()
        .allMatch(h -> h.message != null && h.message.contains("restarted")), () -> describe(k8s.get("roll")));
    // each host started the new version at least minReadySeconds after the previous one
    List<Long> starts = List.of(a, b, c).stream()
        .map(h -> java.time.OffsetDateTime.parse(h.shOk("docker inspect -f '{{.State.StartedAt}}' roll"))
            .toInstant().toEpochMilli()).sorted().toList();
    assertTrue(starts.get(1) - starts.get(0) >= 3000 && starts.get(2) - starts.get(1) >= 3000,
        "sequential starts: " + starts);

    // a version that fails: the first host fails, the rollout stops, the others keep v2
    k8s.edit("roll", svc -> {
      svc.getSpec().extraArgs = List.of("--entrypoint=/bin/false");
      svc.getSpec().restart = new RestartSpec();
      svc.getSpec().restart.policy = "no";
    });
    Await.until(WAIT, () -> "RolloutHalted".equals(reason(k8s.get("roll"), "Degraded")), () -> describe(k8s.get("roll")));
    Thread.sleep(RESYNC.toMillis() * 3);
    HostService halted = k8s.get("roll");
    long failed = halted.getStatus().hosts.stream().filter(h -> "Failed".equals(h.state)).count();
    long waiting = halted.getStatus().hosts.stream().filter(h -> "Waiting".equals(h.state)).count();
    assertEquals(1, failed, describe(halted));
    assertEquals(2, waiting, describe(halted));
    long stillOld = List.of(a, b, c).stream()
        .filter(h -> !h.shOk("cat /etc/systemd/system/roll.service").contains("/bin/false")).count();
    assertEquals(2, stillOld, "the other hosts keep the previous version");
    k8s.delete("roll");
    Await.until(WAIT, () -> k8s.get("roll") == null, () -> describe(k8s.get("roll")));
  }

  private static String reason(HostService s, String type) {
    return s.getStatus().conditions.stream().filter(c -> type.equals(c.type)).map(c -> c.reason).findFirst().orElse(null);
  }

  private static String message(HostService s, String type) {
    return s.getStatus().conditions.stream().filter(c -> type.equals(c.type)).map(c -> c.message).findFirst().orElse(null);
  }
}
