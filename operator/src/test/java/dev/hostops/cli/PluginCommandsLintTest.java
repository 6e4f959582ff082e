package dev.hostops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The fixed commands the kubectl plugin runs on hosts are linted as the host program is (shellcheck, POSIX sh). */
class PluginCommandsLintTest {
  private static void lint(String name, String script) throws Exception {
    Path file = Files.createTempFile(Path.of("target"), name + "-", ".sh");
    try {
      Files.writeString(file, script);
      Process p = new ProcessBuilder("shellcheck", "--shell=sh", file.toString()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertEquals(0, p.waitFor(), name + ":\n" + out);
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  void logsAndExecPassShellcheck() throws Exception {
    lint("logs", LogsCommand.LOGS);
    lint("exec", ContainerExec.EXEC + "\n");
  }
}
