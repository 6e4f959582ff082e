package dev.hostops;

import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Operator settings, from environment variables (the Helm chart sets them).
 *
 * @param resync       how often every resource is re-probed to find drift (HOSTOPS_RESYNC_SECONDS, 60)
 * @param sshTimeout   connect and command timeout (HOSTOPS_SSH_TIMEOUT_SECONDS, 30)
 * @param hostThreads  hosts worked on in parallel (HOSTOPS_HOST_THREADS, 16)
 * @param namespaces   namespaces to watch, empty for all (HOSTOPS_NAMESPACES, comma-separated)
 * @param lokiUrl      Loki push URL for hosts that do not set their own (HOSTOPS_LOKI_URL)
 * @param metricsPort  port of /metrics, /healthz, /readyz (HOSTOPS_METRICS_PORT, 8080; -1 for none)
 * @param leaseNamespace namespace of the leader-election Lease, null for no leader election
 *                     (HOSTOPS_LEADER_ELECTION=true takes it from POD_NAMESPACE)
 */
public record OperatorConfig(Duration resync, Duration sshTimeout, int hostThreads, Set<String> namespaces,
                             String lokiUrl, int metricsPort, String leaseNamespace) {

  public OperatorConfig(Duration resync, Duration sshTimeout, int hostThreads, Set<String> namespaces) {
    this(resync, sshTimeout, hostThreads, namespaces, null, -1, null);
  }

  public OperatorConfig(Duration resync, Duration sshTimeout, int hostThreads, Set<String> namespaces, String lokiUrl) {
    this(resync, sshTimeout, hostThreads, namespaces, lokiUrl, -1, null);
  }

  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    return new OperatorConfig(
        Duration.ofSeconds(Long.parseLong(env.getOrDefault("HOSTOPS_RESYNC_SECONDS", "60"))),
        Duration.ofSeconds(Long.parseLong(env.getOrDefault("HOSTOPS_SSH_TIMEOUT_SECONDS", "30"))),
        Integer.parseInt(env.getOrDefault("HOSTOPS_HOST_THREADS", "16")),
        namespaces(env.getOrDefault("HOSTOPS_NAMESPACES", "")),
        env.get("HOSTOPS_LOKI_URL"),
        Integer.parseInt(env.getOrDefault("HOSTOPS_METRICS_PORT", "8080")),
        "true".equals(env.get("HOSTOPS_LEADER_ELECTION")) ? env.getOrDefault("POD_NAMESPACE", "default") : null);
  }

  private static Set<String> namespaces(String csv) {
    return csv.isBlank() ? Set.of() : Set.of(csv.split("\\s*,\\s*"));
  }
}
