package dev.hostops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** `hostops import` from the command line: a user's mistake is one line on stderr and exit 2; the output renders. */
class ImportCommandTest {
  private static final String CORPUS = "src/test/resources/import/";

  static Stream<Arguments> mistakes() {
    return Stream.of(
        Arguments.of(List.of("import"), "hostops import: no unit file given (usage: "),
        Arguments.of(List.of("import", "--bogus", CORPUS + "nginx.service"), "hostops import: unknown flag --bogus"),
        Arguments.of(List.of("import", "nope.service"), "hostops import: nope.service: no such file"),
        Arguments.of(List.of("import", "pom.xml"), "hostops import: pom.xml: not a .service or .timer file"),
        Arguments.of(List.of("import", CORPUS + "backup.timer"), "hostops import: backup.timer: give its backup.service too"),
        Arguments.of(List.of("import", "--host"), "hostops import: --host needs the name of the Host resource"),
        Arguments.of(List.of("import", "--from-host", "missing.yaml", "web"), "hostops import: missing.yaml: no such file"),
        Arguments.of(List.of("import", "--from-host", "src/test/resources/render/hosts.yaml", "web"),
            "hostops import: src/test/resources/render/hosts.yaml: needs exactly one Host (found 3)"),
        Arguments.of(List.of("import", "--from-host", "x.yaml", "../web"), "hostops import: '../web' is not a unit name"),
        Arguments.of(List.of("import", "--from-host", "x.yaml", "etc/web"), "hostops import: 'etc/web' is not a unit name"));
  }

  @ParameterizedTest
  @MethodSource("mistakes")
  void aMistakeIsOneLineAndExitTwo(List<String> args, String message) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = dev.hostops.Main.execute(args, java.util.Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String e = err.toString(StandardCharsets.UTF_8);
    assertEquals(2, exit, e);
    assertEquals(1, e.lines().count(), e);
    assertTrue(e.startsWith(message), e);
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void aUnitThatIsNotADockerRunIsRefusedByName(@TempDir Path dir) throws Exception {
    Path unit = dir.resolve("relay.service");
    Files.writeString(unit, "[Service]\nExecStart=/usr/bin/docker compose -p relay -f /root/relay/compose.yaml up\n");
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = dev.hostops.Main.execute(List.of("import", unit.toString()), java.util.Map.of(),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, exit);
    assertEquals("hostops import: relay.service: ExecStart= is not a `docker run … IMAGE` command (a compose project or "
        + "another program): write its HostService by hand\n", err.toString(StandardCharsets.UTF_8));
  }

  /** The walk-through's review step: what import printed renders with `hostops render`, the Secrets filled in or not. */
  @Test
  void theImportedCorpusRendersForReview(@TempDir Path dir) throws Exception {
    List<String> args = new java.util.ArrayList<>(List.of("import", "--host", "vm1"));
    try (Stream<Path> files = Files.list(Path.of(CORPUS))) {
      files.filter(p -> p.toString().endsWith(".service") || p.toString().endsWith(".timer")).sorted()
          .forEach(p -> args.add(p.toString()));
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    assertEquals(0, dev.hostops.Main.execute(args, java.util.Map.of(), new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8)));
    Path imported = dir.resolve("imported.yaml");
    Files.writeString(imported, out.toString(StandardCharsets.UTF_8));
    ByteArrayOutputStream rendered = new ByteArrayOutputStream();
    ByteArrayOutputStream renderErr = new ByteArrayOutputStream();
    int exit = RenderCommand.run(List.of(Path.of("src/test/resources/render/hosts.yaml"), imported), "demo",
        new PrintStream(rendered, true, StandardCharsets.UTF_8), new PrintStream(renderErr, true, StandardCharsets.UTF_8));
    assertEquals("", renderErr.toString(StandardCharsets.UTF_8));
    assertEquals(0, exit);
    String text = rendered.toString(StandardCharsets.UTF_8);
    for (String unit : List.of("api", "backup", "cleanup", "coredns", "grafana", "listmonk", "museum", "nginx", "postgres",
        "promtail", "worker")) {
      assertTrue(text.contains("--- /etc/systemd/system/" + unit + ".service "), unit);
    }
    assertTrue(text.contains("--- /etc/systemd/system/backup.timer "));
  }
}
