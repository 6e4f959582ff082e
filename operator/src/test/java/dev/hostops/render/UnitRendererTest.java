package dev.hostops.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.RestartSpec;
import dev.hostops.testhosts.Fixtures;
import dev.hostops.unit.DockerExec;
import dev.hostops.unit.ExecCommand;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whole units compared with golden files in src/test/resources/golden. After an intended change,
 * regenerate them with {@code mvn test -Dtest=UnitRendererTest -Dgolden.update=true} and review the diff.
 */
class UnitRendererTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden");

  static HostService service(String name, String image) {
    return Fixtures.service("prod", name, image, "vm1");
  }

  static Stream<Arguments> cases() {
    HostService minimal = service("museum", "ghcr.io/ente-io/server:latest");

    HostService full = service("listmonk", "registry.example.com:5000/listmonk/listmonk:v4.1.0");
    full.getSpec().ports = List.of("9000:9000", "127.0.0.1:9001:9001", "53:53/udp");
    full.getSpec().env = List.of(new EnvVar("LISTMONK_app__address", "0.0.0.0:9000"),
        new EnvVar("GREETING", "hello \"world\" 100% $HOME"), new EnvVar("EMPTY", ""));
    full.getSpec().args = List.of("./listmonk", "--config", "/listmonk/config.toml");
    full.getSpec().restart = new RestartSpec();
    full.getSpec().restart.policy = "always";
    full.getSpec().restart.delaySeconds = 10;

    HostService manual = service("pinned", "museum@sha256:" + "a".repeat(64));
    manual.getSpec().pull = "Never";
    manual.getSpec().startOnBoot = false;
    HostService caddy = service("caddy", "caddy:2.8");
    caddy.getSpec().reload = List.of("caddy", "reload");
    caddy.getSpec().reloadWorkdir = "/etc/caddy";
    return Stream.of(Arguments.of("minimal", minimal), Arguments.of("full", full), Arguments.of("no-pull-no-boot", manual),
        Arguments.of("reload-workdir", caddy));
  }

  /** A working directory for the reload reaches docker exec as given: systemd expands nothing, no shell runs. */
  @ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(strings = {"/etc/caddy", "/srv/my dir", "/a/100%/$HOME/${X}/`id`/\\x/\"q\"",
      "/x;reboot", "/%H/%n", "/'single'", "/\ttab"})
  void theReloadWorkdirReachesDockerExecVerbatim(String workdir) {
    HostService s = service("caddy", "caddy:2.8");
    s.getSpec().reload = List.of("caddy", "reload", "--config", workdir + "/Caddyfile");
    s.getSpec().reloadWorkdir = workdir;
    assertEquals(List.of(), ServiceValidation.problems(s));
    String unit = UnitRenderer.service("caddy", "prod/caddy", s.getSpec(), "docker compose");
    String line = unit.lines().filter(l -> l.startsWith("ExecReload=")).findFirst().orElseThrow();
    // read back as systemd reads it (specifiers, $ variables, quotes, escapes), then as docker exec reads its options
    ExecCommand read = ExecCommand.parse(line.substring("ExecReload=".length()),
        "caddy.service", java.util.Map.of("HOME", "/root", "X", "x"));
    assertEquals(List.of(), read.unresolved(), line);
    DockerExec exec = DockerExec.parse(read.words());
    assertEquals(workdir, exec.workdir(), line);
    assertEquals("caddy", exec.container(), line);
    assertEquals(List.of("caddy", "reload", "--config", workdir + "/Caddyfile"), exec.command(), line);
    assertEquals(List.of(), exec.other(), line);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void matchesGoldenFile(String name, HostService service) throws Exception {
    assertTrue(ServiceValidation.problems(service).isEmpty(), ServiceValidation.problems(service).toString());
    RenderedService rendered = ServiceRenderer.render(service);
    String unit = rendered.files().get(0).contentAsText();
    Path golden = GOLDEN.resolve(name + ".service");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(golden, unit);
    }
    assertEquals(Files.readString(golden), unit, "golden " + golden);
  }

  @Test
  void aRestartIsANewUnitAndAPinnedTagIsPulledBeforeTheRestartOnly() {
    HostService s = service("web", "reg.example/team/web:latest@sha256:" + "a".repeat(64));
    String before = ServiceRenderer.render(s).files().get(0).contentAsText();
    s.getSpec().restartedAt = "2026-12-07T10:00:00.123Z";
    RenderedService restarted = ServiceRenderer.render(s);
    String unit = restarted.files().get(0).contentAsText();
    assertTrue(unit.contains("\n# Restarted at 2026-12-07T10:00:00.123Z (spec.restartedAt)\n[Unit]\n"), unit);
    assertEquals(before, unit.replace("# Restarted at 2026-12-07T10:00:00.123Z (spec.restartedAt)\n", ""));
    // the apply pulls the pinned tag while the old container serves; the unit itself does not pull it
    assertEquals(List.of(List.of("/usr/bin/docker", "pull", s.getSpec().image)), restarted.pulls());
    assertTrue(!unit.contains("ExecStartPre=-/usr/bin/docker pull"), unit);
    // a digest alone (a host put back on the one it ran) is never pulled: no registry needed
    s.getSpec().image = "reg.example/team/web@sha256:" + "a".repeat(64);
    assertEquals(List.of(), ServiceRenderer.render(s).pulls());
    s.getSpec().pull = "Never";
    s.getSpec().image = "reg.example/team/web:latest@sha256:" + "a".repeat(64);
    assertEquals(List.of(), ServiceRenderer.render(s).pulls());
  }

  @Test
  void hashChangesWithContentOnly() {
    HostService a = service("museum", "museum:1");
    HostService b = service("museum", "museum:1");
    assertEquals(ServiceRenderer.render(a).hash(), ServiceRenderer.render(b).hash());
    b.getSpec().env = List.of(new EnvVar("X", "1"));
    assertTrue(!ServiceRenderer.render(a).hash().equals(ServiceRenderer.render(b).hash()));
  }
}
