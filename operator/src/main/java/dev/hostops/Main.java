package dev.hostops;

import dev.hostops.cli.LocalCommand;
import dev.hostops.cli.RenderCommand;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/** Entry point: {@code hostops run | render -f FILE… | local …}. */
public final class Main {
  private static final String USAGE = """
      usage: hostops run                      run the operator against the cluster in KUBECONFIG / in-cluster
             hostops render [-n NS] -f FILE…  print every file the manifests put on each host (no cluster, no SSH)
             hostops local -f PATH… [--stand-in-images REGISTRY]
                                              operator + PATH applied to the cluster in KUBECONFIG; follows edits
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
    String command = args.length == 0 ? "" : args[0];
    switch (command) {
      case "run" -> run();
      case "render" -> System.exit(render(List.of(args).subList(1, args.length)));
      case "local" -> LocalCommand.run(List.of(args).subList(1, args.length));
      case "stand-ins" -> standIns(List.of(args).subList(1, args.length));
      default -> {
        System.err.print(USAGE);
        System.exit(2);
      }
    }
  }

  /** Prints the manifests with images replaced by stand-ins from REGISTRY (for bin/demo on a cluster). */
  private static void standIns(List<String> args) throws Exception {
    String registry = args.get(0);
    List<Path> paths = args.subList(1, args.size()).stream().map(Path::of).toList();
    var resources = new dev.hostops.cli.StandIns(registry + "/hostops/demo:v1", registry + "/hostops/busybox:latest")
        .apply(dev.hostops.cli.Manifests.read(paths, "default"));
    var serialization = new io.fabric8.kubernetes.client.utils.KubernetesSerialization();
    for (var r : resources) {
      System.out.print(serialization.asYaml(r));
    }
  }

  private static int render(List<String> args) throws Exception {
    List<Path> files = new ArrayList<>();
    String namespace = "default";
    for (int i = 0; i < args.size(); i++) {
      switch (args.get(i)) {
        case "-f", "--filename" -> files.add(Path.of(args.get(++i)));
        case "-n", "--namespace" -> namespace = args.get(++i);
        default -> files.add(Path.of(args.get(i)));
      }
    }
    if (files.isEmpty()) {
      System.err.print(USAGE);
      return 2;
    }
    return RenderCommand.run(files, namespace, System.out, System.err);
  }

  private static void run() throws InterruptedException {
    OperatorConfig config = OperatorConfig.fromEnvironment(System.getenv());
    KubernetesClient client = new KubernetesClientBuilder().build();
    HostopsOperator operator = new HostopsOperator(client, config);
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      operator.close();
      client.close();
      stopped.countDown();
    }));
    LoggerFactory.getLogger(Main.class).info("hostops starting: api={} resync={}s namespaces={}", client.getMasterUrl(), config.resync().toSeconds(),
        config.namespaces().isEmpty() ? "all" : config.namespaces());
    try {
      operator.start();
    } catch (HostopsOperator.MissingPermissionException e) {
      LoggerFactory.getLogger(Main.class).error("hostops cannot start: {}", e.getMessage());
      System.exit(1);
    }
    stopped.await();
  }

}
