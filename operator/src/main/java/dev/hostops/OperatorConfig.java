package dev.hostops;

import dev.hostops.reconcile.Shard;
import dev.hostops.render.LogScrapeValidation;
import dev.hostops.render.ServiceValidation;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

/**
 * Operator settings, from environment variables (the Helm chart sets them).
 *
 * @param resync       how often every resource is re-probed to find drift (HOSTOPS_RESYNC_SECONDS, 60)
 * @param sshTimeout   how long a host may be silent, connecting or running a command (HOSTOPS_SSH_TIMEOUT_SECONDS,
 *                     30); a command on a live link may run 30 of these
 * @param hostThreads  hosts worked on in parallel (HOSTOPS_HOST_THREADS, 16)
 * @param namespaces   namespaces to watch, empty for all (HOSTOPS_NAMESPACES, comma-separated)
 * @param lokiUrl      Loki push URL for hosts that do not set their own (HOSTOPS_LOKI_URL)
 * @param metricsPort  port of /metrics, /healthz, /readyz (HOSTOPS_METRICS_PORT, 8080; -1 for none)
 * @param leaseNamespace namespace of the leader-election Lease, null for no leader election
 *                     (HOSTOPS_LEADER_ELECTION=true takes it from POD_NAMESPACE)
 * @param shard        the objects this release works on (HOSTOPS_SHARD; unset: those without a shard label)
 */
public record OperatorConfig(Duration resync, Duration sshTimeout, int hostThreads, Set<String> namespaces,
                             String lokiUrl, int metricsPort, String leaseNamespace, Shard shard) {

  public OperatorConfig(Duration resync, Duration sshTimeout, int hostThreads, Set<String> namespaces,
                        String lokiUrl, int metricsPort, String leaseNamespace) {
    this(resync, sshTimeout, hostThreads, namespaces, lokiUrl, metricsPort, leaseNamespace, Shard.DEFAULT);
  }

  /** The same settings for the release of another shard. */
  public OperatorConfig withShard(Shard shard) {
    return new OperatorConfig(resync, sshTimeout, hostThreads, namespaces, lokiUrl, metricsPort, leaseNamespace, shard);
  }

  public OperatorConfig(Duration resync, Duration sshTimeout, int hostThreads, Set<String> namespaces) {
    this(resync, sshTimeout, hostThreads, namespaces, null, -1, null);
  }

  public OperatorConfig(Duration resync, Duration sshTimeout, int hostThreads, Set<String> namespaces, String lokiUrl) {
    this(resync, sshTimeout, hostThreads, namespaces, lokiUrl, -1, null);
  }

  /** @throws IllegalArgumentException naming the variable whose value is unusable */
  public static OperatorConfig fromEnvironment(Map<String, String> env) {
    String lokiUrl = env.get("HOSTOPS_LOKI_URL");
    if (lokiUrl != null && !lokiUrl.isEmpty() && LogScrapeValidation.lokiUrlProblem(lokiUrl) != null) {
      throw new IllegalArgumentException("HOSTOPS_LOKI_URL: " + LogScrapeValidation.lokiUrlProblem(lokiUrl));
    }
    Shard shard;
    try {
      shard = Shard.of(env.get("HOSTOPS_SHARD"));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("HOSTOPS_SHARD: " + e.getMessage());
    }
    return new OperatorConfig(
        Duration.ofSeconds(number(env, "HOSTOPS_RESYNC_SECONDS", 60, 1)),
        Duration.ofSeconds(number(env, "HOSTOPS_SSH_TIMEOUT_SECONDS", 30, 1)),
        (int) number(env, "HOSTOPS_HOST_THREADS", 16, 1),
        namespaces(env.getOrDefault("HOSTOPS_NAMESPACES", "")),
        lokiUrl == null || lokiUrl.isEmpty() ? null : lokiUrl,
        (int) number(env, "HOSTOPS_METRICS_PORT", 8080, -1),
        "true".equals(env.get("HOSTOPS_LEADER_ELECTION")) ? env.getOrDefault("POD_NAMESPACE", "default") : null,
        shard);
  }

  private static long number(Map<String, String> env, String name, long fallback, long min) {
    String v = env.get(name);
    if (v == null || v.isBlank()) {
      return fallback;
    }
    try {
      long n = Long.parseLong(v.strip());
      if (n >= min && n <= Integer.MAX_VALUE) {
        return n;
      }
    } catch (NumberFormatException e) {
      // said below
    }
    throw new IllegalArgumentException(name + ": '" + ServiceValidation.printable(v)
        + "' is not a whole number of at least " + min);
  }

  private static Set<String> namespaces(String csv) {
    return csv.isBlank() ? Set.of() : Set.of(csv.split("\\s*,\\s*"));
  }
}
