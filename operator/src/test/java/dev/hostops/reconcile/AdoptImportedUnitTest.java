package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.cli.ImportCommand;
import dev.hostops.cli.Manifests;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's walk-through on a real host: a unit written by hand in the runbook's shape runs;
 * {@code hostops import --from-host} reads it over SSH; the user fills in the Secrets; the
 * HostService is applied with adopt: the unit becomes hostops' and the container is not restarted.
 * A unit whose container import cannot carry over (--rm) is adopted with a restart.
 */
class AdoptImportedUnitTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String IMAGE = "registry.hostops.test:5000/hostops/demo:v1";
  private static OperatorHarness k8s;
  private static TestHost host;

  @BeforeAll
  static void start() throws Exception {
    host = HOSTS.boot("adopt");
    k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(10));
    k8s.addHost(host, "vm1", "root", Map.of());
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  @Test
  void anImportedUnitIsAdoptedWithoutRestartingItsContainer(@TempDir Path dir) throws Exception {
    host.shOk("mkdir -p /root/web && printf 'GREETING=hello from an env file\\n' > /root/web.env && chmod 600 /root/web.env"
        + " && printf 'port: 8080\\n' > /root/web/app.yaml && chmod 644 /root/web/app.yaml");
    handWritten("web", """
        [Unit]
        Description=web, set up by hand from the runbook
        Requires=docker.service
        After=docker.service
        StartLimitInterval=60
        StartLimitBurst=5

        [Service]
        ExecStartPre=docker pull %s
        ExecStartPre=-docker stop web
        ExecStartPre=-docker rm web
        ExecStart=/usr/bin/docker run --name=web --hostname "%%H" \\
            -p 8080:8080 -e "MESSAGE=hello 100%%%% $$HOME" -e LOG_NAME=web \\
            --env-file /root/web.env \\
            -v /root/web/app.yaml:/etc/app.yaml:ro \\
            -v /root/var/logs:/var/logs \\
            --log-opt max-size=1m \\
            %s
        Restart=on-failure
        RestartSec=5

        [Install]
        WantedBy=multi-user.target
        """.formatted(IMAGE, IMAGE));
    String started = startedAt("web");
    assertEquals("hello 100% $HOME", host.shOk("docker exec web sh -c 'printf %s \"$MESSAGE\"'"));

    List<HasMetadata> imported = importFromHost(dir, "web");
    apply(imported);
    HostService ready = k8s.awaitReady("web", WAIT);

    assertTrue(host.shOk("cat /etc/systemd/system/web.service").contains("Managed by hostops"));
    assertEquals(started, startedAt("web"), "the container was not restarted: " + OperatorHarness.on(ready, "vm1").message);
    assertEquals("running", host.shOk("docker inspect -f '{{.State.Status}}' web"));
    assertEquals("enabled", host.shOk("systemctl is-enabled web"));
    // the unit hostops wrote starts the same container: restart it by hand and look
    host.shOk("systemctl restart web");
    Await.until(WAIT, () -> !startedAt("web").equals(started) && "true".equals(
        host.sh("docker inspect -f '{{.State.Running}}' web").stdout().strip()), () -> host.sh("systemctl status web").stdout());
    assertEquals("hello 100% $HOME", host.shOk("docker exec web sh -c 'printf %s \"$MESSAGE\"'"));
    assertEquals("hello from an env file", host.shOk("docker exec web sh -c 'printf %s \"$GREETING\"'"));
    assertEquals("port: 8080", host.shOk("docker exec web cat /etc/app.yaml"));
    assertEquals(host.shOk("hostname"), host.shOk("docker exec web hostname"));
  }

  @Test
  void aUnitImportCannotCarryOverIsAdoptedWithARestart(@TempDir Path dir) throws Exception {
    handWritten("batch", """
        [Unit]
        Requires=docker.service
        After=docker.service

        [Service]
        ExecStartPre=-docker stop batch
        ExecStartPre=-docker rm batch
        ExecStart=docker run --rm --name batch -e LOG_NAME=batch -e MESSAGE=tick %s
        Restart=on-failure
        RestartSec=5
        """.formatted(IMAGE));
    String started = startedAt("batch");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<HasMetadata> imported = importFromHost(dir, "batch", err);
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("batch: not expressed: --rm:"), err.toString());
    apply(imported);
    k8s.awaitReady("batch", WAIT);
    Await.until(WAIT, () -> !started.equals(startedAt("batch")), () -> startedAt("batch"));
    assertTrue(host.shOk("cat /etc/systemd/system/batch.service").contains("Managed by hostops"));
  }

  /**
   * A unit whose name cannot name a HostService (museum.nginx) is imported as museum-nginx with spec.replaces;
   * applying it stops the old unit, starts the new one, and once that runs removes the old unit and its
   * container. A sampler on the host records the running containers of both every 50 ms through the handover:
   * never two. (The containers publish no port, so nothing but the order of the apply keeps them apart.)
   */
  @Test
  void aUnitWithADottedNameIsReplacedNeverTwoContainersAtOnce(@TempDir Path dir) throws Exception {
    handWritten("museum.nginx", """
        [Unit]
        Description=nginx for museum, a name with a dot
        Requires=docker.service
        After=docker.service

        [Service]
        ExecStartPre=-docker stop museum.nginx
        ExecStartPre=-docker rm museum.nginx
        ExecStart=docker run --name museum.nginx -e LOG_NAME=museum-nginx -e MESSAGE=hello %s
        Restart=on-failure
        RestartSec=5

        [Install]
        WantedBy=multi-user.target
        """.formatted(IMAGE));
    assertEquals("enabled", host.shOk("systemctl is-enabled museum.nginx.service"));
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    List<HasMetadata> imported = importFromHost(dir, "museum.nginx", err);
    String said = err.toString(StandardCharsets.UTF_8);
    assertTrue(said.contains("hostops import: museum.nginx.service: 'museum.nginx' cannot name a HostService; imported "
        + "as museum-nginx with spec.replaces: museum.nginx.service"), said);
    HostService service = (HostService) imported.stream().filter(HostService.class::isInstance).findFirst().orElseThrow();
    assertEquals("museum-nginx", service.getMetadata().getName());
    assertEquals("museum.nginx.service", service.getSpec().replaces);

    host.shOk("cat > /root/sample-containers <<'SH'\n"
        + "while [ ! -e /tmp/sampling.stop ]; do\n"
        + "  n=$(docker ps --filter name=museum --format '{{.Names}}' | sort | tr '\\n' ' ')\n"
        + "  printf '%s|\\n' \"$n\" >> /tmp/samples\n"
        + "  sleep 0.05\n"
        + "done\n"
        + "SH\n"
        + "rm -f /tmp/samples /tmp/sampling.stop; nohup sh /root/sample-containers </dev/null >/dev/null 2>&1 &");
    Await.until(WAIT, () -> host.sh("cat /tmp/samples").stdout().contains("museum.nginx |"),
        () -> host.sh("cat /tmp/samples").stdout());
    apply(imported);
    k8s.awaitReady("museum-nginx", WAIT);
    Await.until(WAIT, () -> !host.sh("test -e /etc/systemd/system/museum.nginx.service").ok(),
        () -> host.sh("ls /etc/systemd/system; systemctl status museum.nginx museum-nginx").stdout());
    Await.until(WAIT, () -> host.sh("cat /tmp/samples").stdout().contains("museum-nginx |"),
        () -> host.sh("cat /tmp/samples").stdout());
    host.shOk("touch /tmp/sampling.stop; sleep 0.3");
    List<String> samples = host.shOk("cat /tmp/samples").lines().toList();
    for (String s : samples) {
      assertTrue(s.equals("|") || s.equals("museum.nginx |") || s.equals("museum-nginx |"),
          "two containers (or another) ran at once: " + s + " in " + samples);
    }
    assertTrue(samples.indexOf("museum.nginx |") < samples.indexOf("museum-nginx |"), samples.toString());
    assertTrue(samples.lastIndexOf("museum.nginx |") < samples.indexOf("museum-nginx |"),
        "the old container ran again after the new one: " + samples);

    // the old unit: stopped, disabled, removed, its container gone; the new one hostops', enabled and running
    assertEquals("not-found", host.shOk("systemctl show -p LoadState --value museum.nginx.service"));
    assertEquals("", host.shOk("ls /etc/systemd/system/*.wants/ | grep -F museum.nginx.service || true"));
    assertEquals("", host.shOk("docker ps -a --filter name=museum.nginx --format '{{.Names}}' | grep -vx museum-nginx || true"));
    assertTrue(host.shOk("cat /etc/systemd/system/museum-nginx.service").contains("Managed by hostops"));
    assertEquals("enabled", host.shOk("systemctl is-enabled museum-nginx"));
    assertEquals("true", host.shOk("docker inspect -f '{{.State.Running}}' museum-nginx"));
    assertTrue(!host.shOk("cat /var/lib/hostops/services/museum-nginx/files").contains("museum.nginx.service"),
        "the old unit is no longer among the service's files");
    String started = startedAt("museum-nginx");
    // a later resync finds nothing to do: nothing restarted, the old unit stays gone
    k8s.edit("museum-nginx", h -> h.getMetadata().setAnnotations(Map.of("touched", "1")));
    Thread.sleep(3000);
    assertEquals(started, startedAt("museum-nginx"));
    assertEquals("not-found", host.shOk("systemctl show -p LoadState --value museum.nginx.service"));
  }

  /** ExecReload=docker exec -w DIR …, imported as reload + reloadWorkdir: the reload runs in DIR on a real host. */
  @Test
  void aReloadWithAWorkingDirectoryIsImportedAndRunsThere(@TempDir Path dir) throws Exception {
    handWritten("proxy", """
        [Unit]
        Requires=docker.service
        After=docker.service

        [Service]
        ExecStartPre=-docker stop proxy
        ExecStartPre=-docker rm proxy
        ExecStart=docker run --name proxy -e LOG_NAME=proxy -v /root/var/logs:/var/logs %s
        ExecReload=docker exec -w /var/logs proxy sh -c "pwd > reloaded-in"
        Restart=on-failure
        RestartSec=5

        [Install]
        WantedBy=multi-user.target
        """.formatted(IMAGE));
    String started = startedAt("proxy");
    List<HasMetadata> imported = importFromHost(dir, "proxy");
    HostService service = (HostService) imported.stream().filter(HostService.class::isInstance).findFirst().orElseThrow();
    assertEquals(List.of("sh", "-c", "pwd > reloaded-in"), service.getSpec().reload);
    assertEquals("/var/logs", service.getSpec().reloadWorkdir);
    apply(imported);
    k8s.awaitReady("proxy", WAIT);
    assertTrue(host.shOk("cat /etc/systemd/system/proxy.service").contains("Managed by hostops"));
    assertEquals(started, startedAt("proxy"), "the same container: adopted in place");
    host.shOk("rm -f /root/var/logs/reloaded-in && systemctl reload proxy");
    assertEquals("/var/logs", host.shOk("cat /root/var/logs/reloaded-in"));

    // a working directory full of what systemd and a shell would expand reaches docker exec as written
    String hostile = "/var/logs/w 100% $HOME ${X} %H $(touch /tmp/hostops-pwned) ;x";
    host.shOk("mkdir -p '/root" + hostile + "'");
    k8s.edit("proxy", h -> h.getSpec().reloadWorkdir = hostile);
    Await.until(WAIT, () -> host.sh("cat /etc/systemd/system/proxy.service").stdout().contains("w 100%% $$HOME"),
        () -> host.sh("cat /etc/systemd/system/proxy.service").stdout());
    k8s.awaitReady("proxy", WAIT);
    Await.until(WAIT, () -> host.sh("systemctl reload proxy").ok(), () -> host.sh("systemctl status proxy").stdout());
    assertEquals(hostile, host.shOk("cat '/root" + hostile + "/reloaded-in'"));
    assertTrue(!host.sh("test -e /tmp/hostops-pwned").ok() && !host.sh("docker exec proxy test -e /tmp/hostops-pwned").ok(),
        "nothing in the value was run");
  }

  private static void handWritten(String name, String unit) {
    host.shOk("cat > /etc/systemd/system/" + name + ".service <<'UNIT'\n" + unit + "UNIT\n"
        + "systemctl daemon-reload && systemctl enable --now " + name);
    Await.until(WAIT, () -> "true".equals(host.sh("docker inspect -f '{{.State.Running}}' " + name).stdout().strip()),
        () -> host.sh("systemctl status " + name + "; journalctl -u " + name + " | tail").stdout());
  }

  private static String startedAt(String name) {
    return host.sh("docker inspect -f '{{.State.StartedAt}}' " + name).stdout().strip();
  }

  private static List<HasMetadata> importFromHost(Path dir, String name) throws Exception {
    return importFromHost(dir, name, new ByteArrayOutputStream());
  }

  /** `hostops import --from-host` with a manifest holding the Host and its key, as a user writes it. */
  private static List<HasMetadata> importFromHost(Path dir, String name, ByteArrayOutputStream err) throws Exception {
    Host h = new Host();
    h.setMetadata(new ObjectMetaBuilder().withName("vm1").build());
    h.setSpec(new HostSpec());
    h.getSpec().address = host.address();
    h.getSpec().port = host.port();
    h.getSpec().sshKeySecretRef = new SecretKeyRef("vm1-key", "ssh-privatekey");
    h.getSpec().knownHosts = host.knownHosts();
    Secret key = new SecretBuilder().withMetadata(new ObjectMetaBuilder().withName("vm1-key").build())
        .addToStringData("ssh-privatekey", host.privateKey()).build();
    KubernetesSerialization yaml = new KubernetesSerialization();
    Path manifest = dir.resolve("vm1.yaml");
    Files.writeString(manifest, yaml.asYaml(h) + "\n" + yaml.asYaml(key));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = ImportCommand.run(List.of("--from-host", manifest.toString(), name),
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(0, exit, err.toString(StandardCharsets.UTF_8));
    Path result = dir.resolve(name + ".yaml");
    Files.writeString(result, out.toString(StandardCharsets.UTF_8));
    return Manifests.read(List.of(result), NS);
  }

  /** Fills each Secret skeleton with the file it names, from the host, and applies everything. */
  private static void apply(List<HasMetadata> imported) {
    for (HasMetadata r : imported) {
      if (r instanceof Secret s) {
        s.getStringData().replaceAll((k, placeholder) -> {
          String path = placeholder.replaceFirst("^REPLACE with the content of (.*) on the host\n$", "$1");
          assertNotEquals(placeholder, path);
          return host.sh("cat " + path).stdout();
        });
      }
      k8s.client.resource(r).create();
    }
  }
}
