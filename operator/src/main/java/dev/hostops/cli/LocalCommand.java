package dev.hostops.cli;

import dev.hostops.HostopsOperator;
import dev.hostops.OperatorConfig;
import dev.hostops.api.Condition;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.host.HostConnection;
import dev.hostops.host.HostProgram;
import dev.hostops.host.Manifest;
import dev.hostops.host.Record;
import dev.hostops.reconcile.HostTargets;
import dev.hostops.ssh.ExecResult;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * {@code hostops local -f PATH…}: the operator and the manifests against the cluster in KUBECONFIG
 * (for {@code bin/demo}, the local control plane of {@code testhosts/controlplane}, with the CRDs of
 * {@code crds/} installed). It applies the manifests, waits until the services are Ready, prints the status table and a unit
 * file, then follows edits of the manifest files (create, update, delete) until stopped.
 */
public final class LocalCommand {
  private static final String NS = "default";

  private LocalCommand() {}

  public static void run(List<String> args) throws Exception {
    List<Path> paths = new ArrayList<>();
    StandIns standIns = null;
    String registry = null;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "-f", "--filename" -> paths.add(Path.of(CommandLine.value(args, ++i, a, "a file or folder")));
        case "--stand-in-images" -> registry = CommandLine.value(args, ++i, a, "a registry (host:port)");
        default -> throw new UsageException(a.startsWith("-") ? "unknown flag " + a + " (flags: -f PATH, "
            + "--stand-in-images REGISTRY)" : "unexpected argument '" + a + "' (give files with -f)");
      }
    }
    if (paths.isEmpty()) {
      throw new UsageException("no manifests given: hostops local -f PATH… [--stand-in-images REGISTRY]");
    }
    // the manifests are read before anything starts, so a mistake in them is the only thing said
    Manifests.read(paths, NS);
    if (registry != null) {
      standIns = new StandIns(registry + "/hostops/demo:v1", registry + "/hostops/busybox:latest");
      System.out.println("hostops local: images replaced by stand-ins from " + registry);
    }
    KubernetesClient client = new KubernetesClientBuilder().build();
    OperatorConfig config = OperatorConfig.fromEnvironment(Map.of("HOSTOPS_RESYNC_SECONDS", "10",
        "HOSTOPS_METRICS_PORT", System.getenv().getOrDefault("HOSTOPS_METRICS_PORT", "0"),
        // no Loki runs here; promtail's config needs a push URL all the same
        "HOSTOPS_LOKI_URL", System.getenv().getOrDefault("HOSTOPS_LOKI_URL", "http://127.0.0.1:3100/loki/api/v1/push")));
    HostopsOperator operator = new HostopsOperator(client, config);
    int metricsPort = operator.start();
    System.out.println("hostops: operator started against " + client.getMasterUrl() + ", metrics at "
        + "http://127.0.0.1:" + metricsPort + "/metrics");

    Map<String, HasMetadata> applied = new HashMap<>();
    sync(client, paths, applied, standIns);
    long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
    while (System.nanoTime() < deadline && !allReady(client)) {
      Thread.sleep(500);
    }
    String table = table(client);
    System.out.println();
    System.out.print(table);
    showUnit(client);
    System.out.println("""

        hostops is running. Edit or add files under the given paths and watch it apply them; change things on a
        host by hand (bin/demo ssh vm1) and watch it put them back. Stop with Ctrl-C (under bin/demo, that stops the hosts
        and the control plane too; bin/demo down does the same from another terminal).
        """);
    while (true) {
      Thread.sleep(2000);
      try {
        sync(client, paths, applied, standIns);
      } catch (Exception e) {
        System.out.println("hostops local: " + e.getMessage());
      }
      String now = table(client);
      if (!now.equals(table)) {
        System.out.println();
        System.out.print(now);
        table = now;
      }
    }
  }

  /** Creates, updates and deletes resources so the API matches the manifest files. */
  static void sync(KubernetesClient client, List<Path> paths, Map<String, HasMetadata> applied, StandIns standIns)
      throws Exception {
    List<HasMetadata> wanted = Manifests.read(paths, NS);
    if (standIns != null) {
      wanted = standIns.apply(wanted);
    }
    Set<String> keys = new HashSet<>();
    for (HasMetadata r : wanted) {
      String key = r.getKind() + "/" + r.getMetadata().getNamespace() + "/" + r.getMetadata().getName();
      keys.add(key);
      HasMetadata before = applied.get(key);
      if (before == null || !Objects.equals(json(client, before), json(client, r))) {
        // what `kubectl apply --server-side` does
        client.resource(client.getKubernetesSerialization().clone(r)).fieldManager("hostops-local").forceConflicts()
            .serverSideApply();
        applied.put(key, r);
        System.out.println("hostops local: applied " + key);
      }
    }
    for (String key : new ArrayList<>(applied.keySet())) {
      if (!keys.contains(key)) {
        client.resource(applied.remove(key)).delete();
        System.out.println("hostops local: deleted " + key);
      }
    }
  }

  private static String json(KubernetesClient client, HasMetadata r) {
    return client.getKubernetesSerialization().asJson(r);
  }

  private static boolean allReady(KubernetesClient client) {
    List<HostService> services = client.resources(HostService.class).inNamespace(NS).list().getItems();
    return !services.isEmpty() && services.stream().allMatch(s -> condition(s, "Ready").startsWith("True"));
  }

  private static String condition(HasMetadata r, String type) {
    List<Condition> conditions = r instanceof HostService s && s.getStatus() != null ? s.getStatus().conditions
        : r instanceof Host h && h.getStatus() != null ? h.getStatus().conditions : List.of();
    return conditions.stream().filter(c -> type.equals(c.type)).map(c -> c.status + " " + c.reason).findFirst()
        .orElse("");
  }

  /** What `kubectl get hosts,hostservices` shows, from the same fields as the CRD's printer columns. */
  static String table(KubernetesClient client) {
    StringBuilder b = new StringBuilder();
    b.append(String.format("%-20s %-22s %-16s %-9s%n", "HOST", "ADDRESS", "READY", "SERVICES"));
    for (Host h : client.resources(Host.class).inNamespace(NS).list().getItems().stream()
        .sorted(Comparator.comparing(h -> h.getMetadata().getName())).toList()) {
      b.append(String.format("%-20s %-22s %-16s %-9s%n", h.getMetadata().getName(),
          h.getSpec().address + ":" + h.getSpec().port, condition(h, "Ready"),
          h.getStatus() == null || h.getStatus().services == null ? "" : h.getStatus().services));
    }
    b.append(String.format("%n%-20s %-48s %-6s %-20s%n", "HOSTSERVICE", "IMAGE", "HOSTS", "READY"));
    for (HostService s : client.resources(HostService.class).inNamespace(NS).list().getItems().stream()
        .sorted(Comparator.comparing(h -> h.getMetadata().getName())).toList()) {
      b.append(String.format("%-20s %-48s %-6s %-20s%n", s.getMetadata().getName(), s.getSpec().image == null ? "(compose)" : s.getSpec().image,
          s.getStatus() == null || s.getStatus().readyHosts == null ? "" : s.getStatus().readyHosts,
          condition(s, "Ready")));
    }
    return b.toString();
  }

  private static void showUnit(KubernetesClient client) {
    List<HostService> services = client.resources(HostService.class).inNamespace(NS).list().getItems();
    if (services.isEmpty() || services.get(0).getStatus() == null || services.get(0).getStatus().hosts.isEmpty()) {
      return;
    }
    HostService s = services.get(0);
    String hostName = s.getStatus().hosts.get(0).host;
    Host host = client.resources(Host.class).inNamespace(NS).withName(hostName).get();
    try (HostConnection c = HostConnection.open(new HostTargets(client).resolve(host), Duration.ofSeconds(10))) {
      String path = "/etc/systemd/system/" + s.getMetadata().getName() + ".service";
      ExecResult r = c.run(HostProgram.Job.INSPECT, new Manifest(HostProgram.Job.INSPECT).add(Record.READ, path),
          Duration.ofSeconds(10));
      String[] f = r.stdout().strip().split("\t", 3);
      System.out.println("\n" + path + " on " + hostName + ":\n");
      System.out.print(f.length == 3 ? new String(Base64.getDecoder().decode(f[2]),
          StandardCharsets.UTF_8) : "(not there)\n");
    } catch (Exception e) {
      System.out.println("(could not read the unit from " + hostName + ": " + e.getMessage() + ")");
    }
  }
}
