package dev.hostops.reconcile;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The operator as its own process ({@code hostops run}, as a pod runs it) against the cluster in a
 * kubeconfig, identified as {@code name} (its {@code HOSTNAME}, so {@code name:pid} on a host's lock), with
 * its metrics on a free port. Its output goes to target/operator-NAME.log.
 */
public final class OperatorProcess implements AutoCloseable {
  private static final Pattern ROUND_TRIPS =
      Pattern.compile("(?m)^hostops_ssh_round_trips_total\\{host=\"([^\"]*)\"\\} ([0-9.eE+]+)$");
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private final String name;
  private final Process process;
  private final int metricsPort;

  private OperatorProcess(String name, Process process, int metricsPort) {
    this.name = name;
    this.process = process;
    this.metricsPort = metricsPort;
  }

  /** Starts {@code hostops run}; {@code env} is added to (and may override) the test defaults. */
  public static OperatorProcess start(String name, Path kubeconfig, Map<String, String> env) throws IOException {
    return start(name, kubeconfig, env, java.util.List.of());
  }

  /**
   * The JVM options of the operator image's ENTRYPOINT (the Dockerfile's -XX: flags), so a process here runs
   * the JVM a pod runs; with -XX:MaxRAM of the chart's memory limit, it sizes its heap as the pod does.
   */
  public static final java.util.List<String> IMAGE_JVM = imageJvm();

  private static java.util.List<String> imageJvm() {
    Path dockerfile = Path.of("..", "Dockerfile");
    try {
      Matcher entry = Pattern.compile("(?m)^ENTRYPOINT \\[(.*)]$").matcher(java.nio.file.Files.readString(dockerfile));
      if (!entry.find()) {
        throw new IllegalStateException(dockerfile.toAbsolutePath() + ": no ENTRYPOINT [...]");
      }
      java.util.List<String> flags = new java.util.ArrayList<>();
      Matcher arg = Pattern.compile("\"(-XX:[^\"]+)\"").matcher(entry.group(1));
      while (arg.find()) {
        flags.add(arg.group(1));
      }
      flags.add("-XX:MaxRAM=512m"); // charts/hostops values.yaml resources.limits.memory
      return java.util.List.copyOf(flags);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** As {@link #start(String, Path, Map)}, with these options for the JVM after the image's (e.g. -XX:… to compare). */
  public static OperatorProcess start(String name, Path kubeconfig, Map<String, String> env, java.util.List<String> jvm)
      throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    argv.addAll(IMAGE_JVM);
    argv.addAll(jvm);
    argv.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), "dev.hostops.Main", "run"));
    ProcessBuilder pb = new ProcessBuilder(argv);
    Map<String, String> all = new HashMap<>(Map.of("KUBECONFIG", kubeconfig.toString(), "HOSTNAME", name,
        "HOSTOPS_LOKI_URL", OperatorHarness.LOKI_URL));
    all.putAll(env);
    all.put("HOSTOPS_METRICS_PORT", String.valueOf(port));
    pb.environment().putAll(all);
    pb.redirectErrorStream(true).redirectOutput(Path.of("target", "operator-" + name + ".log").toFile());
    return new OperatorProcess(name, pb.start(), port);
  }

  public String name() {
    return name;
  }

  public Process process() {
    return process;
  }

  /** SSH round trips (remote commands) to all hosts, from the process's /metrics; -1 while it does not answer. */
  public long roundTrips() {
    return roundTrips(null);
  }

  /** SSH round trips to one Host ({@code namespace/name}): 0 for a Host it never touched; -1 while it does not answer. */
  public long roundTrips(String host) {
    Map<String, Long> byHost = roundTripsByHost();
    if (byHost == null) {
      return -1;
    }
    return host == null ? byHost.values().stream().mapToLong(Long::longValue).sum() : byHost.getOrDefault(host, 0L);
  }

  /** SSH round trips per Host ({@code namespace/name}) from one read of /metrics; null while it does not answer. */
  public Map<String, Long> roundTripsByHost() {
    String body;
    try {
      body = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
          .timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString()).body();
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
    Map<String, Long> byHost = new HashMap<>();
    Matcher m = ROUND_TRIPS.matcher(body);
    while (m.find()) {
      byHost.merge(m.group(1), (long) Double.parseDouble(m.group(2)), Long::sum);
    }
    return byHost;
  }

  /** One thread's CPU time so far and its kind (see {@link #threadCpu}). */
  public record ThreadCpu(String kind, Duration cpu) {}

  /**
   * CPU time so far per thread, by thread id (user and system, from /proc/PID/task), with its kind: Linux
   * names a JVM thread after its Java name, cut to 15 characters; digits and what follows a "-/" are
   * dropped so a pool's threads count together ("pool-N-thread-N", "sshj-Reader", "C1 CompilerThreadN").
   * JOSDK renames its reconcile threads ("ReconcilerExecutor-…") while they reconcile and back after, so
   * both names are one kind here; compare readings by thread id, never by name.
   */
  public Map<Long, ThreadCpu> threadCpu() throws IOException {
    Map<Long, ThreadCpu> cpu = new java.util.TreeMap<>();
    Path tasks = Path.of("/proc", String.valueOf(process.pid()), "task");
    try (var dirs = java.nio.file.Files.list(tasks)) {
      for (Path t : (Iterable<Path>) dirs::iterator) {
        String stat;
        try {
          stat = java.nio.file.Files.readString(t.resolve("stat"));
        } catch (IOException gone) {
          continue; // the thread ended between the listing and the read
        }
        int open = stat.indexOf('('), close = stat.lastIndexOf(')');
        String kind = stat.substring(open + 1, close).replaceAll("-/.*", "").replaceAll("[0-9]+", "N");
        if (kind.startsWith("ReconcilerExec")) {
          kind = "pool-N-thread-N";
        }
        String[] f = stat.substring(close + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime (fields 14, 15)
        cpu.put(Long.parseLong(t.getFileName().toString()),
            new ThreadCpu(kind, Duration.ofMillis(ticks * 10))); // USER_HZ is 100 on Linux
      }
    }
    return cpu;
  }

  /** CPU time the process has used so far (user and system, from /proc). */
  public Duration cpuTime() {
    return process.info().totalCpuDuration().orElseThrow(() -> new IllegalStateException(name + ": no CPU time"));
  }

  /** SIGKILL, as the kubelet kills a pod, and waits for the end. */
  public void kill() throws InterruptedException {
    process.destroyForcibly().waitFor();
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
