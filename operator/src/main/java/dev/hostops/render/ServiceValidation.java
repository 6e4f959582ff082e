package dev.hostops.render;

import dev.hostops.api.EnvSource;
import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.ObjectName;
import dev.hostops.api.PreStartStep;
import dev.hostops.api.ServiceDirectory;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import dev.hostops.api.Volume;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
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
  private static final Pattern RESTARTED_AT = Pattern.compile(HostServiceSpec.RESTARTED_AT_PATTERN);
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
    if (spec.compose != null) {
      compose(spec, problems);
    } else if (spec.image == null || spec.image.isEmpty()) {
      problems.add("spec.image: required (or spec.compose)");
    } else if (!IMAGE.matcher(spec.image).matches()) {
      problems.add("spec.image: '" + printable(spec.image) + "' is not a Docker image reference");
    }
    // the unit carries restartedAt in a comment: never a newline, never anything systemd would expand
    if (spec.restartedAt != null && !RESTARTED_AT.matcher(spec.restartedAt).matches()) {
      problems.add("spec.restartedAt: '" + printable(spec.restartedAt) + "' is not an RFC 3339 time like "
          + "2026-12-07T10:00:00Z");
    }
    if (spec.update != null && spec.update.watches() && (spec.image == null || spec.image.contains("@"))) {
      problems.add("spec.update: spec.image must be a tag, not a digest (image@sha256:… never moves) nor a compose "
          + "project");
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
    files(spec, problems);
    containerOptions(spec, problems);
    unitOptions(name, spec, problems);
    return problems;
  }

  private static final Pattern FILE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");
  private static final Pattern REF_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  private static final Pattern REF_KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  private static final Pattern CONTAINER_PATH = Pattern.compile("/[^\\x00\\n:]*");
  private static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
  private static final Pattern HOSTNAME = Pattern.compile("%H|[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?");
  private static final Pattern ADD_HOST = Pattern.compile("[A-Za-z0-9.-]+:([0-9a-fA-F.:]+|host-gateway)");
  private static final Pattern CAPABILITY = Pattern.compile("[A-Z_]+");
  private static final Pattern LOG_OPT = Pattern.compile("[a-z0-9_.-]+=[^\\x00\\n]*");
  private static final Pattern RELOAD_WORKDIR = Pattern.compile("/[^\\x00\\n\\r]*");
  private static final Pattern REPLACES = Pattern.compile("[A-Za-z0-9_:][A-Za-z0-9_.:-]{0,240}[.]service");
  private static final Pattern ON_CALENDAR = Pattern.compile("[A-Za-z0-9 *:,./~_+-]{1,128}");
  /**
   * docker run flags allowed in extraArgs: resource limits and runtime details, nothing that widens access. The
   * one list: import takes these flags into spec.extraArgs and notes every other.
   */
  public static final Set<String> EXTRA_FLAGS = Set.of("--memory", "--memory-reservation", "--memory-swap", "--cpus",
      "--cpu-shares", "--user", "--workdir", "--network", "--ulimit", "--shm-size", "--tmpfs", "--init",
      "--read-only", "--stop-timeout", "--stop-signal", "--label", "--entrypoint", "--health-cmd",
      "--health-interval", "--health-retries", "--health-timeout", "--health-start-period", "--no-healthcheck",
      "--pids-limit", "--group-add", "--dns", "--dns-search", "--platform", "--log-driver");
  private static final Set<String> BOOLEAN_FLAGS = Set.of("--init", "--read-only", "--no-healthcheck");

  private static void compose(HostServiceSpec spec, List<String> problems) {
    if (spec.image != null) {
      problems.add("spec.image: set either spec.image or spec.compose, not both");
    }
    if ((spec.compose.content == null) == (spec.compose.configMapRef == null)) {
      problems.add("spec.compose: set exactly one of content, configMapRef");
    }
    if (spec.compose.configMapRef != null) {
      ref(spec.compose.configMapRef, "spec.compose.configMapRef", true, problems);
    }
    Map<String, Boolean> unused = new LinkedHashMap<>();
    unused.put("ports", spec.ports != null);
    unused.put("env", spec.env != null);
    unused.put("envFrom", spec.envFrom != null);
    unused.put("args", spec.args != null);
    unused.put("volumes", spec.volumes != null);
    unused.put("hostname", spec.hostname != null);
    unused.put("addHosts", spec.addHosts != null);
    unused.put("capAdd", spec.capAdd != null);
    unused.put("extraArgs", spec.extraArgs != null);
    unused.put("reload", spec.reload != null);
    unused.put("reloadWorkdir", spec.reloadWorkdir != null);
    unused.put("preStart", spec.preStart != null);
    unused.forEach((field, set) -> {
      if (set) {
        problems.add("spec." + field + ": not used with spec.compose (put it in the compose file)");
      }
    });
    for (ServiceFile f : spec.orEmpty(spec.files)) {
      if ("compose.yaml".equals(f.name)) {
        problems.add("spec.files: compose.yaml is the compose file's own name");
      }
    }
  }

  private static void files(HostServiceSpec spec, List<String> problems) {
    Set<String> names = new HashSet<>();
    List<ServiceFile> files = spec.orEmpty(spec.files);
    for (int i = 0; i < files.size(); i++) {
      ServiceFile f = files.get(i);
      String field = "spec.files[" + i + "]";
      if (f == null || f.name == null || !FILE_NAME.matcher(f.name).matches() || f.name.endsWith(".env")
          && (f.name.startsWith("secret-") || f.name.startsWith("configmap-"))) {
        problems.add(field + ".name: a plain file name (letters, digits, '.', '_', '-'; no '/' or '..'), "
            + "not secret-*.env or configmap-*.env (used for envFrom)");
        continue;
      }
      if (!names.add(f.name)) {
        problems.add(field + ".name: " + f.name + " is given twice");
      }
      int sources = (f.secretRef != null ? 1 : 0) + (f.configMapRef != null ? 1 : 0) + (f.content != null ? 1 : 0);
      if (sources != 1) {
        problems.add(field + ": set exactly one of secretRef, configMapRef, content");
      }
      if (f.secretRef != null) {
        ref(f.secretRef, field + ".secretRef", true, problems);
      }
      if (f.configMapRef != null) {
        ref(f.configMapRef, field + ".configMapRef", true, problems);
      }
      if (f.mountPath != null && !CONTAINER_PATH.matcher(f.mountPath).matches()) {
        problems.add(field + ".mountPath: an absolute path without ':'");
      }
      if (f.mode != null && !f.mode.matches("0?[0-7]{3}")) {
        problems.add(field + ".mode: octal, like 0600");
      }
    }
    List<ServiceDirectory> dirs = spec.orEmpty(spec.directories);
    for (int i = 0; i < dirs.size(); i++) {
      ServiceDirectory d = dirs.get(i);
      String field = "spec.directories[" + i + "]";
      if (d == null || d.name == null || !FILE_NAME.matcher(d.name).matches() || d.name.equals("compose.yaml")) {
        problems.add(field + ".name: a plain directory name (letters, digits, '.', '_', '-'; no '/' or '..')");
        continue;
      }
      if (!names.add(d.name)) {
        problems.add(field + ".name: " + d.name + " is already the name of a file or directory of this service");
      }
      if ((d.secretRef == null) == (d.configMapRef == null)) {
        problems.add(field + ": set exactly one of secretRef, configMapRef");
      } else {
        objectName(d.secretRef != null ? d.secretRef : d.configMapRef,
            field + (d.secretRef != null ? ".secretRef" : ".configMapRef"), problems);
      }
      if (d.mountPath != null && !CONTAINER_PATH.matcher(d.mountPath).matches()) {
        problems.add(field + ".mountPath: an absolute path without ':'");
      }
    }
    List<ObjectName> pullSecrets = spec.orEmpty(spec.imagePullSecrets);
    for (int i = 0; i < pullSecrets.size(); i++) {
      objectName(pullSecrets.get(i), "spec.imagePullSecrets[" + i + "]", problems);
    }
    List<EnvSource> envFrom = spec.orEmpty(spec.envFrom);
    for (int i = 0; i < envFrom.size(); i++) {
      EnvSource e = envFrom.get(i);
      String field = "spec.envFrom[" + i + "]";
      if (e == null || (e.secretRef == null) == (e.configMapRef == null)) {
        problems.add(field + ": set exactly one of secretRef, configMapRef");
        continue;
      }
      ref(e.secretRef != null ? e.secretRef : e.configMapRef,
          field + (e.secretRef != null ? ".secretRef" : ".configMapRef"), false, problems);
    }
  }

  private static void objectName(ObjectName ref, String field, List<String> problems) {
    if (ref == null || ref.name == null || !REF_NAME.matcher(ref.name).matches()) {
      problems.add(field + ".name: the name of an object in the same namespace");
    }
  }

  private static void ref(ValueSource ref, String field, boolean keyRequired, List<String> problems) {
    if (ref.name == null || !REF_NAME.matcher(ref.name).matches()) {
      problems.add(field + ".name: the name of an object in the same namespace");
    }
    if (keyRequired && ref.key == null) {
      problems.add(field + ".key: required");
    } else if (ref.key != null && !REF_KEY.matcher(ref.key).matches()) {
      problems.add(field + ".key: letters, digits, '-', '_', '.'");
    }
  }

  private static void containerOptions(HostServiceSpec spec, List<String> problems) {
    List<Volume> volumes = spec.orEmpty(spec.volumes);
    for (int i = 0; i < volumes.size(); i++) {
      Volume v = volumes.get(i);
      String field = "spec.volumes[" + i + "]";
      if ((v.hostPath == null) == (v.name == null)) {
        problems.add(field + ": set exactly one of hostPath, name");
      }
      if (v.hostPath != null && !CONTAINER_PATH.matcher(v.hostPath).matches()) {
        problems.add(field + ".hostPath: an absolute path without ':'");
      }
      if (v.name != null && !VOLUME_NAME.matcher(v.name).matches()) {
        problems.add(field + ".name: a Docker volume name");
      }
      if (v.mountPath == null || !CONTAINER_PATH.matcher(v.mountPath).matches()) {
        problems.add(field + ".mountPath: an absolute path without ':'");
      }
    }
    if (spec.hostname != null && !HOSTNAME.matcher(spec.hostname).matches()) {
      problems.add("spec.hostname: a host name, or %H for the host's own name");
    }
    check(spec.orEmpty(spec.addHosts), ADD_HOST, "spec.addHosts", "NAME:IP or NAME:host-gateway", problems);
    check(spec.orEmpty(spec.capAdd), CAPABILITY, "spec.capAdd", "a capability name like NET_ADMIN", problems);
    if (spec.logs != null) {
      check(spec.orEmpty(spec.logs.options), LOG_OPT, "spec.logs.options", "key=value", problems);
    }
    List<String> extra = spec.orEmpty(spec.extraArgs);
    for (int i = 0; i < extra.size(); i++) {
      String a = extra.get(i);
      String flag = a == null ? "" : a.contains("=") ? a.substring(0, a.indexOf('=')) : a;
      if (a == null || a.indexOf('\0') >= 0 || a.indexOf('\n') >= 0 || !EXTRA_FLAGS.contains(flag)) {
        problems.add("spec.extraArgs[" + i + "]: '" + printable(a) + "' is not an allowed docker run flag ("
            + "use --flag=value; allowed: " + String.join(" ", new TreeSet<>(EXTRA_FLAGS)) + ")");
      } else if (!a.contains("=") && !BOOLEAN_FLAGS.contains(flag)) {
        problems.add("spec.extraArgs[" + i + "]: write " + flag + "=VALUE as one item");
      }
    }
  }

  private static void unitOptions(String name, HostServiceSpec spec, List<String> problems) {
    for (String r : spec.orEmpty(spec.reload)) {
      if (r == null || r.indexOf('\0') >= 0) {
        problems.add("spec.reload: arguments must be strings without NUL characters");
      }
    }
    if (spec.reloadWorkdir != null) {
      if (!RELOAD_WORKDIR.matcher(spec.reloadWorkdir).matches()) {
        problems.add("spec.reloadWorkdir: '" + printable(spec.reloadWorkdir) + "' is not an absolute path (no newline)");
      } else if (spec.orEmpty(spec.reload).isEmpty()) {
        problems.add("spec.reloadWorkdir: set spec.reload too (the command run in this directory)");
      }
    }
    if (spec.replaces != null) {
      if (!REPLACES.matcher(spec.replaces).matches()) {
        problems.add("spec.replaces: '" + printable(spec.replaces) + "' is not a unit file name like museum.nginx.service");
      } else if (spec.replaces.equals(name + ".service") || RESERVED_NAMES.contains(spec.replaces.replaceFirst("[.]service$", ""))) {
        problems.add("spec.replaces: " + spec.replaces + " cannot be replaced (it is this service's own unit or a system unit)");
      } else if (!spec.adopt) {
        problems.add("spec.replaces: set spec.adopt too (replacing a hand-written unit takes it over)");
      } else if (spec.compose != null || spec.schedule != null) {
        problems.add("spec.replaces: only for a service that runs one container continuously (not with spec.compose "
            + "or spec.schedule)");
      }
    }
    List<PreStartStep> steps = spec.orEmpty(spec.preStart);
    for (int i = 0; i < steps.size(); i++) {
      PreStartStep step = steps.get(i);
      if (step.args == null || step.args.isEmpty() || step.args.stream().anyMatch(a -> a == null || a.indexOf('\0') >= 0)) {
        problems.add("spec.preStart[" + i + "].args: at least one argument, no NUL characters");
      }
      if (step.image != null && !IMAGE.matcher(step.image).matches()) {
        problems.add("spec.preStart[" + i + "].image: '" + printable(step.image) + "' is not a Docker image reference");
      }
    }
    List<String> requires = spec.orEmpty(spec.requires);
    for (int i = 0; i < requires.size(); i++) {
      String r = requires.get(i);
      if (r == null || !NAME.matcher(r).matches()) {
        problems.add("spec.requires[" + i + "]: the name of another HostService");
      } else if (r.equals(name)) {
        problems.add("spec.requires[" + i + "]: a service cannot require itself");
      }
    }
    if (spec.schedule != null && (spec.schedule.onCalendar == null
        || !ON_CALENDAR.matcher(spec.schedule.onCalendar).matches())) {
      problems.add("spec.schedule.onCalendar: a systemd calendar expression like daily or *-*-* 03:00:00");
    }
    if (spec.rollout != null) {
      if (spec.rollout.maxUnavailable != null && spec.rollout.maxUnavailable < 1) {
        problems.add("spec.rollout.maxUnavailable: at least 1");
      }
      if (spec.rollout.minReadySeconds != null && (spec.rollout.minReadySeconds < 0 || spec.rollout.minReadySeconds > 3600)) {
        problems.add("spec.rollout.minReadySeconds: between 0 and 3600");
      }
    }
  }

  private static void check(List<String> values, Pattern pattern, String field, String expected, List<String> problems) {
    for (int i = 0; i < values.size(); i++) {
      if (values.get(i) == null || !pattern.matcher(values.get(i)).matches()) {
        problems.add(field + "[" + i + "]: '" + printable(values.get(i)) + "' is not " + expected);
      }
    }
  }

  /** A user value shown back in a message: control characters made visible, long values cut. */
  public static String printable(String value) {
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
