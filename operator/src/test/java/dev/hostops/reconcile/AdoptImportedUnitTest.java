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
