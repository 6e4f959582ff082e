package dev.hostops.cli;

import dev.hostops.api.HostService;
import dev.hostops.api.ServiceOnHost;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * {@code kubectl hostops status [SERVICE]}: one line per service and host, from the status the operator
 * wrote (one request to the API server, no SSH: a fleet fits one screen and answers at once).
 */
final class StatusCommand {
  private StatusCommand() {}

  static int run(KubernetesClient client, String namespace, String name, PrintStream out) throws UsageException {
    List<HostService> services;
    if (name != null) {
      HostService s = client.resources(HostService.class).inNamespace(namespace).withName(name).get();
      if (s == null) {
        throw new UsageException("no HostService '" + name + "' in namespace " + namespace);
      }
      services = List.of(s);
    } else {
      services = new ArrayList<>(client.resources(HostService.class).inNamespace(namespace).list().getItems());
      services.sort(Comparator.comparing(s -> s.getMetadata().getName()));
      if (services.isEmpty()) {
        out.println("No HostServices in namespace " + namespace + ".");
        return 0;
      }
    }
    out.print(table(services, Instant.now()));
    return 0;
  }

  static String table(List<HostService> services, Instant now) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"SERVICE", "HOST", "STATE", "UNIT", "CONTAINER", "HEALTH", "IMAGE", "SINCE", "MESSAGE"});
    for (HostService s : services) {
      List<ServiceOnHost> hosts = s.getStatus() == null || s.getStatus().hosts == null ? List.of() : s.getStatus().hosts;
      if (hosts.isEmpty()) {
        rows.add(new String[] {s.getMetadata().getName(), "-", "Pending", "-", "-", "-", "-", "-",
            "not seen by the operator yet"});
      }
      for (ServiceOnHost h : hosts) {
        rows.add(new String[] {s.getMetadata().getName(), h.host, or(h.state), or(h.unit), or(h.container), or(h.health),
            image(h.imageDigest), since(h.startedAt, now), message(h.message)});
      }
    }
    int[] widths = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length - 1; i++) {
        widths[i] = Math.max(widths[i], r[i].length());
      }
    }
    StringBuilder b = new StringBuilder();
    for (String[] r : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        line.append(i == r.length - 1 ? r[i] : String.format("%-" + (widths[i] + 3) + "s", r[i]));
      }
      b.append(line.toString().stripTrailing()).append('\n');
    }
    return b.toString();
  }

  /** The first line of the host's message, cut to keep one line per host on a screen. */
  static String message(String message) {
    String first = message == null ? "" : message.lines().findFirst().orElse("");
    return first.length() <= 70 ? first : first.substring(0, 69) + "…";
  }

  private static String or(String value) {
    return value == null || value.isEmpty() ? "-" : value;
  }

  /** repo@sha256:0123456789ab: the digest shortened as docker prints image IDs. */
  static String image(String digest) {
    if (digest == null || digest.isEmpty()) {
      return "-";
    }
    int at = digest.indexOf("sha256:");
    return at < 0 || digest.length() < at + 19 ? digest : digest.substring(0, at + 19);
  }

  /** How long ago the container started, as kubectl prints ages. */
  static String since(String startedAt, Instant now) {
    if (startedAt == null || startedAt.isEmpty()) {
      return "-";
    }
    Instant at;
    try {
      at = Instant.parse(startedAt);
    } catch (DateTimeParseException e) {
      try {
        at = OffsetDateTime.parse(startedAt).toInstant();
      } catch (DateTimeParseException e2) {
        return startedAt;
      }
    }
    Duration d = Duration.between(at, now);
    if (d.isNegative()) {
      return "0s";
    }
    if (d.toSeconds() < 120) {
      return d.toSeconds() + "s";
    }
    if (d.toMinutes() < 120) {
      return d.toMinutes() + "m";
    }
    if (d.toHours() < 48) {
      return d.toHours() + "h";
    }
    return d.toDays() + "d";
  }
}
