package dev.hostops.importer;

import dev.hostops.api.EnvSource;
import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.LogSpec;
import dev.hostops.api.PreStartStep;
import dev.hostops.api.RestartSpec;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import dev.hostops.api.Volume;
import dev.hostops.importer.UnitImporter.FileFacts;
import dev.hostops.importer.UnitImporter.Imported;
import dev.hostops.importer.UnitImporter.NotImportableException;
import dev.hostops.render.ServiceLayout;
import dev.hostops.render.ServiceValidation;
import dev.hostops.render.SystemdQuoting;
import dev.hostops.unit.DockerExec;
import dev.hostops.unit.DockerRun;
import dev.hostops.unit.ExecCommand;
import dev.hostops.unit.TimeSpan;
import dev.hostops.unit.UnitFile;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** One import: the unit (and its timer) read setting by setting into a HostService spec and notes. */
final class UnitReading {
  private static final Pattern PORT = Pattern.compile(HostServiceSpec.PORT_PATTERN);
  private static final Pattern IMAGE = Pattern.compile(HostServiceSpec.IMAGE_PATTERN);
  private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  /** [Unit]/[Service]/[Install] settings hostops writes itself, or that say nothing about what runs. */
  private static final Set<String> HANDLED = Set.of("Description", "Documentation", "Requires", "After", "Wants",
      "StartLimitIntervalSec", "StartLimitInterval", "StartLimitBurst", "Type", "ExecStartPre", "ExecStart",
      "ExecReload", "ExecStop", "Restart", "RestartSec", "StandardOutput", "StandardError", "TimeoutStartSec",
      "SuccessExitStatus", "Environment", "WantedBy");

  private final String name;
  /** The unit's own name (and its container's, as the runbook names them): differs from name when renamed. */
  private final String unitName;
  private final UnitFile unit;
  private final UnitFile timer;
  private final FileFacts facts;
  private final List<String> notes = new ArrayList<>();
  private final HostServiceSpec spec = new HostServiceSpec();
  private final Map<String, String> environment = new LinkedHashMap<>();
  private final Map<String, String> envFileKeys = new LinkedHashMap<>();
  private final Map<String, String> fileKeys = new LinkedHashMap<>();
  private final ServiceLayout layout;
  private String containerName;

  UnitReading(String name, String unitName, UnitFile unit, UnitFile timer, List<String> hosts, FileFacts facts) {
    this.name = name;
    this.unitName = unitName;
    this.unit = unit;
    this.timer = timer;
    this.facts = facts;
    this.layout = new ServiceLayout(name);
    spec.hosts = hosts;
    spec.adopt = true;
    if (!name.equals(unitName)) {
      spec.replaces = unitName + ".service";
    }
  }

  /** The container the unit's own commands (stop, rm, exec) name: the unit's name or the new one. */
  boolean ownContainer(String word) {
    return word.equals(name) || word.equals(unitName) || word.equals(containerName);
  }

  Imported read() throws NotImportableException {
    for (String assignment : unit.values("Service", "Environment")) {
      for (String word : ExecCommand.split(assignment)) {
        int eq = word.indexOf('=');
        if (eq > 0) {
          environment.put(word.substring(0, eq), word.substring(eq + 1));
        }
      }
    }
    for (UnitFile.Entry e : unit.entries()) {
      if (!HANDLED.contains(e.key())) {
        note("[" + e.section() + "] " + e.key() + "=" + e.value() + " (line " + e.line() + "): hostops has no setting for it");
      }
    }
    String execStart = unit.last("Service", "ExecStart").orElseThrow(() ->
        new NotImportableException(name + ".service: no ExecStart=, so nothing to import"));
    ExecCommand start = command("ExecStart", execStart);
    DockerRun run = DockerRun.parse(start.words());
    if (run == null || run.image() == null) {
      throw new NotImportableException(name + ".service: ExecStart= is not a `docker run … IMAGE` command "
          + "(a compose project or another program): write its HostService by hand");
    }
    containerName = run.values("--name").isEmpty() ? name : run.values("--name").get(0);
    unitSection();
    container(run);
    preStart(run);
    service(run);
    install();
    spec.schedule = TimerReading.schedule(name, timer, this::note);
    HostService hs = new HostService();
    hs.setMetadata(new ObjectMetaBuilder().withName(name).build());
    hs.setSpec(spec);
    List<Secret> secrets = new ArrayList<>();
    if (!envFileKeys.isEmpty()) {
      secrets.add(skeleton(name + "-env", envFileKeys));
    }
    if (!fileKeys.isEmpty()) {
      secrets.add(skeleton(name + "-files", fileKeys));
    }
    return new Imported(hs, secrets, List.copyOf(notes));
  }

  private void note(String s) {
    notes.add(s);
  }

  private ExecCommand command(String key, String value) {
    ExecCommand c = ExecCommand.parse(value, unitName + ".service", environment);
    c.unresolved().forEach(u -> note(key + "=" + value + ": " + u + " is not resolved by import; check the result"));
    return c;
  }

  private void unitSection() {
    List<String> requires = unit.words("Unit", "Requires");
    List<String> after = unit.words("Unit", "After");
    for (String r : requires) {
      if (r.equals("docker.service")) {
        continue;
      }
      String dep = r.replaceFirst("\\.service$", "");
      if (r.endsWith(".service") && UnitImporter.NAME.matcher(dep).matches() && !dep.equals(name)) {
        spec.requires = add(spec.requires, dep);
        if (!after.contains(r)) {
          note("Requires=" + r + " without After=: hostops writes both, so " + name + " starts after " + r);
        }
      } else {
        note("Requires=" + r + ": hostops requires only other HostServices (by name) and docker.service");
      }
    }
    for (String a : after) {
      if (!a.equals("docker.service") && !requires.contains(a)) {
        note("After=" + a + " without Requires=: hostops has no ordering-only dependency");
      }
    }
    for (String w : unit.words("Unit", "Wants")) {
      note("Wants=" + w + ": hostops has no weak dependency");
    }
    Optional<String> interval = unit.last("Unit", "StartLimitIntervalSec").or(() -> unit.last("Unit", "StartLimitInterval"))
        .or(() -> unit.last("Service", "StartLimitInterval")).or(() -> unit.last("Service", "StartLimitIntervalSec"));
    Optional<String> burst = unit.last("Unit", "StartLimitBurst").or(() -> unit.last("Service", "StartLimitBurst"));
    interval.ifPresent(v -> {
      Integer s = TimeSpan.seconds(v);
      if (s == null) {
        note("StartLimitIntervalSec=" + v + ": not a whole number of seconds up to a day");
      } else {
        restart().startLimitIntervalSeconds = s;
      }
    });
    burst.ifPresent(v -> {
      if (v.matches("[0-9]{1,4}") && Integer.parseInt(v) >= 1 && Integer.parseInt(v) <= 1000) {
        restart().startLimitBurst = Integer.parseInt(v);
      } else {
        note("StartLimitBurst=" + v + ": hostops takes 1 to 1000");
      }
    });
  }

  private RestartSpec restart() {
    if (spec.restart == null) {
      spec.restart = new RestartSpec();
    }
    return spec.restart;
  }

  private void container(DockerRun run) {
    if (!IMAGE.matcher(run.image()).matches()) {
      note("image '" + run.image() + "' is not a plain image reference hostops accepts; fix spec.image");
    }
    spec.image = run.image();
    spec.args = run.args().isEmpty() ? null : run.args();
    for (DockerRun.Option o : run.options()) {
      String v = o.value();
      switch (o.flag()) {
        case "--name" -> {
          if (!v.equals(name) && !v.equals(unitName)) {
            note("--name " + v + ": hostops names the container after the unit (" + name + "); adopting it restarts "
                + "the container under that name");
          }
        }
        case "--publish" -> {
          if (PORT.matcher(v).matches()) {
            spec.ports = add(spec.ports, v);
          } else {
            note("-p " + v + ": not [ip:][hostPort:]containerPort[/udp], which hostops takes");
          }
        }
        case "--env" -> env(v);
        case "--env-file" -> envFile(v);
        case "--volume" -> volume(v);
        case "--hostname" -> hostname(v);
        case "--add-host" -> spec.addHosts = add(spec.addHosts, v);
        case "--cap-add" -> spec.capAdd = add(spec.capAdd, v);
        case "--log-opt" -> logs().options = add(logs().options, v);
        case "--rm" -> note("--rm: hostops removes the old container before each start instead (ExecStartPre=-docker "
            + "rm); the running container has it, so adopting restarts it");
        case "--detach" -> note("-d: hostops runs the container in the foreground so systemd supervises it; "
            + "adopting restarts it");
        case "--restart" -> note("--restart " + v + ": Docker restarting the container fights systemd's Restart=; "
            + "hostops leaves it to systemd, so adopting restarts it");
        default -> {
          if (ServiceValidation.EXTRA_FLAGS.contains(o.flag())) {
            spec.extraArgs = add(spec.extraArgs, v == null ? o.flag() : o.flag() + "=" + v);
          } else {
            note(o.flag() + (v == null ? "" : " " + v) + ": a docker run flag hostops does not take (it widens "
                + "access or has no setting); adopting restarts the container without it");
          }
        }
      }
    }
  }

  private void env(String v) {
    int eq = v.indexOf('=');
    if (eq <= 0) {
      String value = environment.get(v);
      if (value != null) {
        // -e NAME passes docker's own environment, which the unit's Environment= set
        spec.env = add(spec.env, new EnvVar(v, value));
      } else {
        note("-e " + v + ": passes the variable from docker's environment, which the unit does not set; "
            + "hostops takes NAME=VALUE");
      }
      return;
    }
    String key = v.substring(0, eq);
    spec.env = spec.orEmpty(spec.env).stream().filter(e -> !e.name.equals(key)).collect(Collectors
        .toCollection(ArrayList::new));
    spec.env.add(new EnvVar(key, v.substring(eq + 1)));
  }

  private void envFile(String path) {
    String key = key(path);
    envFileKeys.put(key, path);
    EnvSource e = new EnvSource();
    e.secretRef = new ValueSource(name + "-env", key);
    spec.envFrom = add(spec.envFrom, e);
  }

  private void volume(String v) {
    String[] parts = v.split(":", -1);
    if (parts.length < 2 || parts.length > 3 || parts[1].isEmpty()) {
      note("-v " + v + ": hostops takes SOURCE:TARGET[:ro]");
      return;
    }
    String source = parts[0];
    String target = parts[1];
    List<String> opts = parts.length == 3 ? new ArrayList<>(List.of(parts[2].split(","))) : new ArrayList<>();
    boolean readOnly = opts.remove("ro");
    opts.remove("rw");
    if (!opts.isEmpty()) {
      note("-v " + v + ": the mount options " + String.join(",", opts) + " have no hostops setting");
    }
    if (source.equals(ServiceLayout.LOG_DIR) && target.equals("/var/logs") && !readOnly) {
      logs().mount = true;
      return;
    }
    String dir = layout.dir() + "/";
    String fileName = source.startsWith(dir) ? source.substring(dir.length()) : null;
    String kind = facts.kind(source);
    if (fileName != null && !fileName.contains("/") && KEY.matcher(fileName).matches() && !"dir".equals(kind)
        && !fileName.endsWith(".d") && !(fileName.endsWith(".env")
        && (fileName.startsWith("secret-") || fileName.startsWith("configmap-")))) {
      if (kind == null) {
        note("-v " + v + ": taken for a file (the unit alone does not say; import --from-host looks); if it is a "
            + "directory, make it a volume with hostPath " + source);
      }
      ServiceFile f = new ServiceFile();
      f.name = fileName;
      f.mountPath = target;
      f.readOnly = readOnly ? null : false;
      f.secretRef = new ValueSource(name + "-files", fileName);
      String mode = facts.mode(source);
      if (mode != null && !mode.equals("600")) {
        f.mode = "0" + mode;
      }
      fileKeys.put(fileName, source);
      spec.files = add(spec.files, f);
      return;
    }
    Volume vol = new Volume();
    if (source.startsWith("/")) {
      vol.hostPath = source;
    } else {
      vol.name = source;
    }
    vol.mountPath = target;
    vol.readOnly = readOnly;
    spec.volumes = add(spec.volumes, vol);
  }

  private void hostname(String v) {
    if (v.equals(SystemdQuoting.HOST_NAME)) {
      spec.hostname = "%H";
    } else if (v.contains(SystemdQuoting.HOST_NAME)) {
      note("--hostname with %H inside a longer name: hostops takes %H alone or a fixed name");
    } else {
      spec.hostname = v;
    }
  }

  private LogSpec logs() {
    if (spec.logs == null) {
      spec.logs = new LogSpec();
    }
    return spec.logs;
  }

  /** ExecStartPre=: pulls, the stop/rm of the old container, and one-off containers (pre-start steps). */
  private void preStart(DockerRun main) {
    boolean pulled = false;
    List<PreStartStep> steps = new ArrayList<>();
    for (String value : unit.values("Service", "ExecStartPre")) {
      ExecCommand c = command("ExecStartPre", value);
      List<String> w = c.words();
      String verb = w.size() > 1 && c.program().equals("docker") ? w.get(1) : "";
      if (verb.equals("pull") && w.size() == 3) {
        pulled |= w.get(2).equals(main.image());
        continue;
      }
      if ((verb.equals("stop") || verb.equals("kill") || verb.equals("rm")) && ownContainer(w.get(w.size() - 1))
          && c.ignoreFailure()) {
        continue;
      }
      DockerRun step = DockerRun.parse(w);
      if (step != null && step.image() != null) {
        PreStartStep p = new PreStartStep();
        p.image = step.image().equals(main.image()) ? null : step.image();
        p.args = step.args();
        if (p.args.isEmpty()) {
          note("ExecStartPre=" + value + ": a pre-start step needs a command after the image");
          continue;
        }
        List<String> own = shared(step);
        if (!own.equals(shared(main))) {
          note("ExecStartPre=" + value + ": hostops runs a pre-start step with the service's env, env files and "
              + "volumes; this one's differ (" + String.join(" ", own) + ")");
        }
        if (!step.has("--rm")) {
          note("ExecStartPre=" + value + ": hostops runs pre-start steps with --rm");
        }
        steps.add(p);
        continue;
      }
      note("ExecStartPre=" + value + ": not a docker pull, stop, rm or run that hostops can express");
    }
    spec.pull = pulled ? "Always" : "Never";
    spec.preStart = steps.isEmpty() ? null : steps;
  }

  /** The options hostops gives both the main container and its pre-start steps, as written. */
  private static List<String> shared(DockerRun run) {
    return run.options().stream().filter(o -> Set.of("--add-host", "--env-file", "--env", "--volume").contains(o.flag()))
        .map(o -> o.flag() + " " + o.value()).sorted().toList();
  }

  private void service(DockerRun main) {
    unit.last("Service", "Type").filter(t -> !t.equals("simple") && !t.equals("exec"))
        .ifPresent(t -> note("Type=" + t + ": hostops units are Type=simple (docker run in the foreground)"));
    for (String value : unit.values("Service", "ExecReload")) {
      ExecCommand c = command("ExecReload", value);
      List<String> w = c.words();
      DockerExec exec = c.program().equals("docker") ? DockerExec.parse(w) : null;
      if (exec != null && ownContainer(exec.container()) && !exec.command().isEmpty() && exec.other().isEmpty()) {
        spec.reload = exec.command();
        spec.reloadWorkdir = exec.workdir();
      } else if (exec != null && ownContainer(exec.container()) && !exec.other().isEmpty()) {
        note("ExecReload=" + value + ": hostops' reload takes only --workdir of docker exec's options, not "
            + String.join(" ", exec.other()));
      } else {
        note("ExecReload=" + value + ": hostops reloads with `docker exec " + name + " COMMAND…` only");
      }
    }
    for (String value : unit.values("Service", "ExecStop")) {
      ExecCommand c = command("ExecStop", value);
      List<String> w = c.words();
      if (!(c.program().equals("docker") && w.size() == 3 && w.get(1).equals("stop") && ownContainer(w.get(2)))) {
        note("ExecStop=" + value + ": hostops stops with `docker stop " + name + "`");
      }
    }
    String policy = unit.last("Service", "Restart").orElse("no");
    if (List.of("no", "on-failure", "always").contains(policy)) {
      if (!policy.equals("on-failure") || spec.restart != null) {
        restart().policy = policy;
      }
    } else {
      note("Restart=" + policy + ": hostops takes no, on-failure or always; imported as on-failure");
    }
    if (!policy.equals("no")) {
      Optional<String> delay = unit.last("Service", "RestartSec");
      Integer s = delay.map(TimeSpan::seconds).orElse(0);
      if (delay.isEmpty()) {
        note("RestartSec= not set (systemd waits 100 ms): hostops writes whole seconds, imported as 0");
      }
      if (s == null || s > 3600) {
        note("RestartSec=" + delay.orElse("") + ": hostops takes whole seconds up to 3600");
      } else if (s != 5) {
        restart().delaySeconds = s;
      }
    }
    String out = unit.last("Service", "StandardOutput").orElse(null);
    String err = unit.last("Service", "StandardError").orElse(null);
    String log = "append:" + layout.logFile();
    if (log.equals(out)) {
      logs().stdoutToFile = true;
      if (!log.equals(err)) {
        note("StandardError=" + err + ": hostops appends stderr to the same log file as stdout");
      }
    } else if (out != null && !out.equals("journal") || err != null && !err.equals("inherit") && !err.equals("journal")) {
      note("StandardOutput=" + out + " / StandardError=" + err + ": hostops appends both to " + layout.logFile()
          + " or leaves them to the journal");
    }
    unit.last("Service", "TimeoutStartSec").filter(t -> !t.equals("15min"))
        .ifPresent(t -> note("TimeoutStartSec=" + t + ": hostops writes 15min"));
    unit.last("Service", "SuccessExitStatus").filter(t -> !t.equals("143"))
        .ifPresent(t -> note("SuccessExitStatus=" + t + ": hostops writes 143 (docker stop's SIGTERM)"));
  }

  private void install() {
    List<String> wanted = unit.words("Install", "WantedBy");
    spec.startOnBoot = wanted.contains("multi-user.target");
    wanted.stream().filter(w -> !w.equals("multi-user.target"))
        .forEach(w -> note("WantedBy=" + w + ": hostops starts services on boot with multi-user.target only"));
  }

  private Secret skeleton(String secretName, Map<String, String> keys) {
    SecretBuilder b = new SecretBuilder().withMetadata(new ObjectMetaBuilder().withName(secretName).build());
    keys.forEach((k, path) -> b.addToStringData(k, "REPLACE with the content of " + path + " on the host\n"));
    return b.build();
  }

  /** A Secret key for a file: its name, made unique. */
  private String key(String path) {
    String base = path.replaceFirst(".*/", "").replaceAll("[^-._a-zA-Z0-9]", "_");
    if (base.isEmpty() || base.equals(".") || base.equals("..")) {
      base = "env";
    }
    String key = base;
    for (int i = 2; envFileKeys.containsKey(key); i++) {
      key = base + "-" + i;
    }
    return key;
  }

  private static <T> List<T> add(List<T> list, T item) {
    List<T> l = list == null ? new ArrayList<>() : list;
    l.add(item);
    return l;
  }

}
