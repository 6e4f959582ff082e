package dev.hostops;

import dev.hostops.cli.CommandLine;
import dev.hostops.cli.ImportCommand;
import dev.hostops.cli.KubectlHostops;
import dev.hostops.cli.LocalCommand;
import dev.hostops.cli.Manifests;
import dev.hostops.cli.RenderCommand;
import dev.hostops.cli.StandIns;
import dev.hostops.cli.UsageException;
import dev.hostops.host.LockHolder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * Entry point: {@code hostops run | render -f FILE… | import … | local … | stand-ins …}. A user's mistake (an
 * unknown command or flag, a missing or unreadable manifest, an invalid resource) is answered with
 * one line per problem on stderr and exit code 2, never a stack trace.
 */
public final class Main {
  static final int USAGE_ERROR = 2;
  private static final String COMMANDS = "use run, render, import, restart, local or stand-ins (hostops help shows how)";
  private static final String USAGE = """
      usage: hostops run                      run the operator against the cluster in KUBECONFIG / in-cluster
             hostops render [-n NS] -f FILE…  print every file the manifests put on each host (no cluster, no SSH)
             hostops import [--host NAME] UNIT-FILE [TIMER-FILE]…
                                              hand-written units as HostService YAML (adopt: true) + Secret skeletons
             hostops import --from-host HOST-MANIFEST NAME…
                                              the same, read over SSH from the Host in HOST-MANIFEST (with its key Secret)
             hostops local -f PATH… [--stand-in-images REGISTRY]
                                              operator + PATH applied to the cluster in KUBECONFIG; follows edits
             hostops restart SERVICE [--host H] [-n NS]
                                              restart on every host as a rollout (sets spec.restartedAt)
             hostops stand-ins REGISTRY PATH… the manifests with images replaced by local stand-ins
      """;

  private Main() {}

  public static void main(String[] args) throws Exception {
    // before the first logger exists
    if (System.getenv("HOSTOPS_LOG_FILE") != null) {
      System.setProperty("hostops.log.file", System.getenv("HOSTOPS_LOG_FILE"));
      System.setProperty("logback.configurationFile", "logback-file.xml");
    } else if ("json".equalsIgnoreCase(System.getenv("HOSTOPS_LOG_FORMAT"))) {
      System.setProperty("logback.configurationFile", "logback-json.xml");
    }
    if (args.length > 0 && "import".equals(args[0])) {
      // on a host's lock (import --from-host) a person's one-off, not an operator process
      LockHolder.identifyAsCommand("import");
    }
    int exit = execute(List.of(args), System.getenv(), System.out, System.err);
    if (exit != 0 || args.length == 0 || !List.of("run", "local").contains(args[0])) {
      // run and local return only while the JVM shuts down, where System.exit would wait forever
      System.exit(exit);
    }
  }

  /** Runs one command and returns its exit code; {@code run} and {@code local} return when stopped. */
  public static int execute(List<String> args, Map<String, String> env, PrintStream out, PrintStream err) throws Exception {
    String command = args.isEmpty() ? "" : args.get(0);
    List<String> rest = args.isEmpty() ? List.of() : args.subList(1, args.size());
    try {
      switch (command) {
        case "run" -> {
          run(rest, env);
          return 0;
        }
        case "render" -> {
          return render(rest, out, err);
        }
        case "import" -> {
          return ImportCommand.run(rest, out, err);
        }
        case "local" -> {
          LocalCommand.run(rest);
          return 0;
        }
        case "restart" -> {
          return KubectlHostops.execute(args, System.in, out, err, "hostops");
        }
        case "stand-ins" -> {
          standIns(rest, out);
          return 0;
        }
        case "help", "-h", "--help" -> {
          out.print(USAGE);
          return 0;
        }
        case "" -> throw new UsageException("no command: " + COMMANDS);
        default -> throw new UsageException("unknown command '" + command + "': " + COMMANDS);
      }
    } catch (UsageException e) {
      err.println("hostops" + (List.of("run", "render", "import", "local", "stand-ins").contains(command) ? " " + command : "")
          + ": " + e.getMessage());
      return USAGE_ERROR;
    }
  }

  /** Prints the manifests with images replaced by stand-ins from REGISTRY (for bin/demo on a cluster). */
  private static void standIns(List<String> args, PrintStream out) throws UsageException {
    if (args.size() < 2 || args.stream().anyMatch(a -> a.startsWith("-"))) {
      throw new UsageException(args.stream().filter(a -> a.startsWith("-")).findFirst()
          .map(a -> "unknown flag " + a + "; ").orElse("") + "usage: hostops stand-ins REGISTRY PATH…");
    }
    String registry = args.get(0);
    List<Path> paths = args.subList(1, args.size()).stream().map(Path::of).toList();
    var resources = new StandIns(registry + "/hostops/demo:v1", registry + "/hostops/busybox:latest")
        .apply(Manifests.read(paths, "default"));
    var serialization = new KubernetesSerialization();
    for (var r : resources) {
      out.print(serialization.asYaml(r));
    }
  }

  private static int render(List<String> args, PrintStream out, PrintStream err) throws UsageException {
    List<Path> files = new ArrayList<>();
    String namespace = "default";
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "-f", "--filename" -> files.add(Path.of(CommandLine.value(args, ++i, a, "a file or folder")));
        case "-n", "--namespace" -> namespace = CommandLine.value(args, ++i, a, "a namespace");
        default -> {
          if (a.startsWith("-") && a.length() > 1) {
            throw new UsageException("unknown flag " + a + " (flags: -f FILE, -n NAMESPACE)");
          }
          files.add(Path.of(a));
        }
      }
    }
    if (files.isEmpty()) {
      throw new UsageException("no manifests given: hostops render [-n NAMESPACE] -f FILE…");
    }
    return RenderCommand.run(files, namespace, out, err);
  }

  private static void run(List<String> args, Map<String, String> env) throws UsageException, InterruptedException {
    if (!args.isEmpty()) {
      throw new UsageException("unexpected argument '" + args.get(0) + "' (settings are HOSTOPS_* environment "
          + "variables, see the README)");
    }
    OperatorConfig config;
    try {
      config = OperatorConfig.fromEnvironment(env);
    } catch (IllegalArgumentException e) {
      throw new UsageException(e.getMessage());
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    HostopsOperator operator = new HostopsOperator(client, config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.close();
      client.close();
      stopped.countDown();
    }));
    LoggerFactory.getLogger(Main.class).info("hostops starting: api={} resync={}s namespaces={} shard={}", client.getMasterUrl(),
        config.resync().toSeconds(), config.namespaces().isEmpty() ? "all" : config.namespaces(), config.shard());
    try {
      operator.start();
    } catch (HostopsOperator.MissingPermissionException e) {
      LoggerFactory.getLogger(Main.class).error("hostops cannot start: {}", e.getMessage());
      System.exit(1);
    }
    stopped.await();
  }
}
