package dev.hostops.render;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks the operator makes before rendering. The CRD schema checks most of these already; they
 * are repeated here because a cluster may run without the schema (or an older copy of it), and a
 * value that reaches a host must have passed them. Each problem names its field.
 */
public final class ServiceValidation {
  /** Unit and container name: a DNS label, so it is valid for systemd, Docker and /root/NAME. */
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern IMAGE = Pattern.compile(HostServiceSpec.IMAGE_PATTERN);
  private static final Pattern PORT = Pattern.compile(HostServiceSpec.PORT_PATTERN);
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final Set<String> RESERVED_NAMES = Set.of("docker", "ssh", "sshd", "systemd", "dbus", "hostops");

  private ServiceValidation() {}

  public static List<String> problems(HostService service) {
    List<String> problems = new ArrayList<>();
    String name = service.getMetadata().getName();
    if (name == null || !NAME.matcher(name).matches()) {
      problems.add("metadata.name: must be a DNS label (lowercase letters, digits, '-', at most 63) because it names "
          + "the unit, the container and /root/<name>");
    } else if (RESERVED_NAMES.contains(name)) {
      problems.add("metadata.name: '" + name + "' would replace a system unit on the host");
    }
    HostServiceSpec spec = service.getSpec();
    if (spec == null) {
      problems.add("spec: missing");
      return problems;
    }
    if (spec.image == null || spec.image.isEmpty()) {
      problems.add("spec.image: required");
    } else if (!IMAGE.matcher(spec.image).matches()) {
      problems.add("spec.image: '" + printable(spec.image) + "' is not a Docker image reference");
    }
    if (spec.hostsOrEmpty().isEmpty() && spec.hostSelector == null) {
      problems.add("spec.hosts: name at least one host, or set spec.hostSelector");
    }
    for (int i = 0; i < spec.portsOrEmpty().size(); i++) {
      String p = spec.ports.get(i);
      if (p == null || !PORT.matcher(p).matches()) {
        problems.add("spec.ports[" + i + "]: '" + printable(p) + "' is not [ip:][hostPort:]containerPort[/udp]");
      }
    }
    Set<String> envNames = new HashSet<>();
    for (int i = 0; i < spec.envOrEmpty().size(); i++) {
      EnvVar e = spec.env.get(i);
      if (e == null || e.name == null || !ENV_NAME.matcher(e.name).matches()) {
        problems.add("spec.env[" + i + "].name: must match [A-Za-z_][A-Za-z0-9_]*");
      } else if (!envNames.add(e.name)) {
        problems.add("spec.env[" + i + "].name: " + e.name + " is given twice");
      }
      if (e != null && e.value != null && e.value.indexOf('\0') >= 0) {
        problems.add("spec.env[" + i + "].value: contains a NUL character");
      }
    }
    for (int i = 0; i < spec.argsOrEmpty().size(); i++) {
      String a = spec.args.get(i);
      if (a == null || a.indexOf('\0') >= 0) {
        problems.add("spec.args[" + i + "]: must be a string without NUL characters");
      }
    }
    if (!"Always".equals(spec.pull) && !"Never".equals(spec.pull)) {
      problems.add("spec.pull: must be Always or Never");
    }
    String policy = spec.restartOrDefault().policy;
    if (!List.of("no", "on-failure", "always").contains(policy)) {
      problems.add("spec.restart.policy: must be no, on-failure or always");
    }
    int delay = spec.restartOrDefault().delaySeconds;
    if (delay < 0 || delay > 3600) {
      problems.add("spec.restart.delaySeconds: must be between 0 and 3600");
    }
    return problems;
  }

  /** A user value shown back in a message: control characters made visible, long values cut. */
  static String printable(String value) {
    if (value == null) {
      return "null";
    }
    String v = value.length() > 80 ? value.substring(0, 80) + "…" : value;
    StringBuilder b = new StringBuilder();
    v.codePoints().forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.toString();
  }
}
