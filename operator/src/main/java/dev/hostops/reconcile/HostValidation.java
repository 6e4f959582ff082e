package dev.hostops.reconcile;

import static dev.hostops.render.ServiceValidation.printable;

import dev.hostops.api.Host;
import dev.hostops.api.HostSpec;
import dev.hostops.api.ProxyJumpSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.ssh.KnownHosts;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks of a Host before hostops connects to it. The CRD schema checks most of these; they are
 * repeated because a cluster may run without the schema, and the address, user and pinned keys go
 * to the SSH client (never to a shell: sshj takes them as values). Each problem names its field.
 */
public final class HostValidation {
  private static final Pattern ADDRESS = Pattern.compile(HostSpec.ADDRESS_PATTERN);
  private static final Pattern USER = Pattern.compile(HostSpec.USER_PATTERN);
  private static final Pattern SECRET_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  private static final Pattern SECRET_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final Pattern IPV4_LIKE = Pattern.compile("[0-9]+(\\.[0-9]+){3}");
  private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern LABEL_NAME = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

  private HostValidation() {}

  public static List<String> problems(Host host) {
    List<String> problems = new ArrayList<>();
    labels(host.getMetadata().getLabels(), problems);
    HostSpec spec = host.getSpec();
    if (spec == null) {
      problems.add("spec: missing");
      return problems;
    }
    endpoint("spec.", spec.address, spec.port, spec.user, spec.sshKeySecretRef, spec.knownHosts, problems);
    ProxyJumpSpec jump = spec.proxyJump;
    if (jump != null) {
      endpoint("spec.proxyJump.", jump.address, jump.port, jump.user, jump.sshKeySecretRef, jump.knownHosts, problems);
    }
    return problems;
  }

  /** The fields of one SSH endpoint (the Host, or its bastion), each problem prefixed with where it is. */
  private static void endpoint(String at, String address, int port, String user, SecretKeyRef keyRef,
                               String knownHosts, List<String> problems) {
    String addressProblem = addressProblem(address);
    if (addressProblem != null) {
      problems.add(at + "address: " + addressProblem);
    }
    // 0 is what an explicit null leaves in the int: the default port, as before the schema defaulted it
    int effectivePort = port == 0 ? 22 : port;
    boolean portOk = effectivePort >= 1 && effectivePort <= 65535;
    if (!portOk) {
      problems.add(at + "port: " + port + " is not a TCP port (1-65535)");
    }
    if (user != null && !USER.matcher(user).matches()) {
      problems.add(at + "user: '" + printable(user) + "' is not a login name (lowercase letters, digits, '_', "
          + "'-', not first; at most 32)");
    }
    if (keyRef == null || keyRef.name == null) {
      problems.add(at + "sshKeySecretRef.name: required");
    } else {
      if (!SECRET_NAME.matcher(keyRef.name).matches() || keyRef.name.length() > 253) {
        problems.add(at + "sshKeySecretRef.name: '" + printable(keyRef.name) + "' is not the name of a Secret");
      }
      if (keyRef.key != null && !SECRET_KEY.matcher(keyRef.key).matches()) {
        problems.add(at + "sshKeySecretRef.key: '" + printable(keyRef.key)
            + "' is not a Secret key (letters, digits, '-', '_', '.')");
      }
    }
    if (knownHosts == null || knownHosts.isBlank()) {
      problems.add(at + "knownHosts: required: pin the " + (at.contains("proxyJump") ? "bastion" : "host")
          + "'s key (ssh-keyscan -p PORT ADDRESS)");
    } else {
      // which line applies is only worth asking when the address and port are usable
      KnownHosts.problems(knownHosts, addressProblem == null && portOk ? address : null, effectivePort)
          .forEach(p -> problems.add(at + "knownHosts: " + p));
    }
  }

  /** Null when the address is a DNS name, an IPv4 address or an IPv6 address (no brackets, no zone). */
  static String addressProblem(String address) {
    if (address == null || address.isEmpty()) {
      return "required";
    }
    String shown = "'" + printable(address) + "'";
    if (address.length() > 253 || !ADDRESS.matcher(address).matches()) {
      return shown + " is not a DNS name or IP address"
          + (address.startsWith("[") ? " (write an IPv6 address without brackets)"
          : address.matches("[^:]+:[0-9]+") ? " (the port goes in spec.port)" : "");
    }
    if (address.contains(":")) {
      return ipv6(address) ? null : shown + " is not an IPv6 address";
    }
    if (IPV4_LIKE.matcher(address).matches() && !ipv4(address)) {
      return shown + " is not an IPv4 address";
    }
    return null;
  }

  private static boolean ipv4(String s) {
    String[] parts = s.split("\\.", -1);
    if (parts.length != 4) {
      return false;
    }
    for (String p : parts) {
      if (p.isEmpty() || p.length() > 3 || (p.length() > 1 && p.startsWith("0")) || Integer.parseInt(p) > 255) {
        return false;
      }
    }
    return true;
  }

  /** RFC 4291 text form: up to 8 groups of 1-4 hex digits, one "::" at most, an IPv4 tail allowed. */
  private static boolean ipv6(String s) {
    int groups = 0;
    String rest = s;
    int dot = s.lastIndexOf(':');
    if (s.indexOf('.') >= 0) {
      if (!ipv4(s.substring(dot + 1))) {
        return false;
      }
      rest = s.substring(0, dot + 1) + "0:0";
    }
    int gap = rest.indexOf("::");
    if (gap >= 0 && rest.indexOf("::", gap + 1) >= 0) {
      return false;
    }
    for (String side : gap >= 0 ? new String[] {rest.substring(0, gap), rest.substring(gap + 2)} : new String[] {rest}) {
      if (side.isEmpty()) {
        continue;
      }
      for (String g : side.split(":", -1)) {
        if (g.isEmpty() || g.length() > 4 || !g.matches("[0-9A-Fa-f]+")) {
          return false;
        }
        groups++;
      }
    }
    return gap >= 0 ? groups <= 7 : groups == 8;
  }

  /** Kubernetes label syntax; the API server checks it too, but a cluster-less render does not. */
  private static void labels(Map<String, String> labels, List<String> problems) {
    if (labels == null) {
      return;
    }
    labels.forEach((k, v) -> {
      String name = k.contains("/") ? k.substring(k.indexOf('/') + 1) : k;
      String prefix = k.contains("/") ? k.substring(0, k.indexOf('/')) : null;
      if (name.length() > 63 || !LABEL_NAME.matcher(name).matches()
          || prefix != null && (prefix.length() > 253 || !SECRET_NAME.matcher(prefix).matches())) {
        problems.add("metadata.labels: '" + printable(k) + "' is not a label name");
      } else if (v == null || v.length() > 63 || !LABEL_VALUE.matcher(v).matches()) {
        problems.add("metadata.labels." + k + ": '" + printable(v) + "' is not a label value (letters, digits, '-', "
            + "'_', '.', at most 63)");
      }
    });
  }
}
