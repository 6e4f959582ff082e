package dev.hostops;

import dev.hostops.cli.LocalCommand;
import dev.hostops.cli.RenderCommand;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Entry point: {@code hostops run | render -f FILE… | local …}. */
public final class Main {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  private static final String USAGE = """
      usage: hostops run                      run the operator against the cluster in KUBECONFIG / in-cluster
             hostops render [-n NS] -f FILE…  print every file the manifests put on each host (no cluster, no SSH)
             hostops local --hosts FILE -f DIR
                                              operator + embedded API server; applies DIR and follows its edits
      """;

  private Main() {}

  public static void main(String[] args) throws Exception {
    String command = args.length == 0 ? "" : args[0];
    switch (command) {
      case "run" -> run();
      case "render" -> System.exit(render(List.of(args).subList(1, args.length)));
      case "local" -> LocalCommand.run(List.of(args).subList(1, args.length));
      default -> {
        System.err.print(USAGE);
        System.exit(2);
      }
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
    LOG.info("hostops starting: api={} resync={}s namespaces={}", client.getMasterUrl(), config.resync().toSeconds(),
        config.namespaces().isEmpty() ? "all" : config.namespaces());
    operator.start();
    stopped.await();
  }

}
