package dev.hostops.host;

import java.net.InetAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The text of the audit lines hostops appends on each host it changes ({@code /var/log/hostops/audit.log},
 * host/audit.sh adds the UTC time): the resource (kind, namespace/name, generation), the operator process
 * that acted, and what changed. Built only from names, paths, units, images and key fingerprints: never a
 * Secret's value.
 */
public final class Audit {
  /** owner (namespace/name) → "generation N, image X", told by the reconciler before it applies. */
  private static final Map<String, String> RESOURCES = new ConcurrentHashMap<>();
  private static final String ACTOR = actor();

  private Audit() {}

  /** The operator process: the pod's name (HOSTNAME in a pod) or this machine's, and the JVM's PID. */
  static String actor() {
    String name = System.getenv("HOSTNAME");
    if (name == null || name.isBlank()) {
      try {
        name = InetAddress.getLocalHost().getHostName();
      } catch (Exception e) {
        name = "unknown";
      }
    }
    return name + " pid " + ProcessHandle.current().pid();
  }

  /** What the next apply of the HostService {@code owner} carries out comes from this generation. */
  public static void resource(String owner, Long generation, String image, boolean adopt) {
    RESOURCES.put(owner, "generation " + generation + (image == null ? "" : ", image " + image) + (adopt ? ", adopt" : ""));
  }

  static String applied(ApplyPlan plan) {
    return "HostService " + plan.owner() + " (" + RESOURCES.getOrDefault(plan.owner(), "generation ?") + ") applied by "
        + ACTOR + ": " + plan.describe();
  }

  static String removed(String name, String owner) {
    return "HostService " + owner + " removed by " + ACTOR + ": stopped, disabled and removed " + name
        + ".service and its files";
  }

  static String loginKey(String host, String what) {
    return "Host " + host + " login key by " + ACTOR + ": " + what;
  }
}
