package dev.hostops.testhosts;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** {@code kubectl hostops} (bin/kubectl-hostops) as its own process, as a user runs it, with a kubeconfig's rights. */
public final class KubectlPlugin {
  private KubectlPlugin() {}

  /** How a run ended: exit status, standard output, error output. */
  public record Run(int exit, String out, String err) {}

  /** The plugin's process, not started: its classes are this JVM's. */
  public static ProcessBuilder plugin(Path config, List<String> args) {
    List<String> command = new ArrayList<>(List.of(Path.of("../bin/kubectl-hostops").toAbsolutePath().normalize()
        .toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().put("KUBECONFIG", config.toString());
    pb.environment().put("HOSTOPS_PLUGIN_CLASSPATH", System.getProperty("java.class.path"));
    return pb;
  }

  /** Runs the plugin to its end (at most a minute); each run's output is kept as the README shows it (target/kubectl-hostops/). */
  public static Run run(Path config, String... args) throws Exception {
    Process p = plugin(config, List.of(args)).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .start();
    Run r = finish(p, Duration.ofSeconds(60));
    Path record = Path.of("target", "kubectl-hostops");
    Files.createDirectories(record);
    Files.writeString(record.resolve(String.join("_", args).replaceAll("[^A-Za-z0-9_.-]", "-") + ".txt"),
        "$ kubectl hostops " + String.join(" ", args) + "\n" + r.out() + r.err() + "(exit " + r.exit() + ")\n");
    return r;
  }

  /** Waits for a started plugin process and collects its output. */
  public static Run finish(Process p, Duration timeout) throws Exception {
    var out = drain(p.getInputStream());
    var err = drain(p.getErrorStream());
    assertTrue(p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS), "kubectl hostops did not end");
    return new Run(p.exitValue(), out.get(), err.get());
  }

  /** Everything a stream gives until it ends, read beside the process. */
  public static CompletableFuture<String> drain(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "";
      }
    });
  }
}
