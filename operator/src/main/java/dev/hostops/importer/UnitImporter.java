package dev.hostops.importer;

import dev.hostops.api.EnvSource;
import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.LogSpec;
import dev.hostops.api.PreStartStep;
import dev.hostops.api.RestartSpec;
import dev.hostops.api.ScheduleSpec;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import dev.hostops.api.Volume;
import dev.hostops.render.ServiceLayout;
import dev.hostops.render.ServiceValidation;
import dev.hostops.render.SystemdQuoting;
import dev.hostops.unit.DockerExec;
import dev.hostops.unit.DockerRun;
import dev.hostops.unit.ExecCommand;
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

/**
 * A hand-written unit in the runbook's shape (pull, stop, rm, {@code docker run} in the foreground)
 * read into the HostService that renders a unit doing the same, plus Secret skeletons for its env
 * and config files (values left for the user to fill in). What the resource cannot express is
 * listed, never silently dropped. Pure: facts about the host's files come in as {@link FileFacts}.
 */
public final class UnitImporter {
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern PORT = Pattern.compile(HostServiceSpec.PORT_PATTERN);
  private static final Pattern IMAGE = Pattern.compile(HostServiceSpec.IMAGE_PATTERN);
  private static final Pattern KEY = Pattern.compile("[-._a-zA-Z0-9]+");
  /** [Unit]/[Service]/[Install] settings hostops writes itself, or that say nothing about what runs. */
  private static final Set<String> HANDLED = Set.of("Description", "Documentation", "Requires", "After", "Wants",
      "StartLimitIntervalSec", "StartLimitInterval", "StartLimitBurst", "Type", "ExecStartPre", "ExecStart",
      "ExecReload", "ExecStop", "Restart", "RestartSec", "StandardOutput", "StandardError", "TimeoutStartSec",
      "SuccessExitStatus", "Environment", "WantedBy");

  private UnitImporter() {}

  /** What the host says about a path a unit names: a regular file (with its mode), a directory, or unknown. */
  public interface FileFacts {
    /** "file", "dir", or null when unknown (importing from files alone). */
    String kind(String path);

    /** Octal mode of a regular file ("600"), or null when unknown. */
    String mode(String path);

    FileFacts NONE = new FileFacts() {
      @Override
      public String kind(String path) {
        return null;
      }

      @Override
      public String mode(String path) {
        return null;
      }
    };
  }

  /** A unit that is not in the runbook's shape at all (no {@code docker run} to import). */
  public static final class NotImportableException extends Exception {
    public NotImportableException(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * @param service   the HostService, {@code adopt: true}
   * @param secrets   skeletons for the env and config files it references, values to fill in
   * @param notes     what the resource cannot express, one line each
   */
  public record Imported(HostService service, List<Secret> secrets, List<String> notes) {
    /** The unit's own name when it could not name the HostService (spec.replaces names it), else null. */
    public String renamedFrom() {
      String r = service.getSpec().replaces;
      return r == null ? null : r.replaceFirst("[.]service$", "");
    }
  }

  public static Imported read(String unitFileName, String service, String timer, List<String> hosts, FileFacts facts)
      throws NotImportableException {
    String unitName = unitFileName.replaceFirst(".*/", "").replaceFirst("\\.service$", "");
    String name = proposedName(unitName);
    if (name == null) {
      throw new NotImportableException(unitFileName + ": '" + unitName + "' cannot name a HostService and has no "
          + "letters or digits to make one of: rename the unit first");
    }
    return new Reading(name, unitName, UnitFile.parse(service), timer == null ? null : UnitFile.parse(timer), hosts,
        facts).read();
  }

  /**
   * A HostService name for a unit name: itself when valid, else lowercased, every run of other characters
   * made one '-', cut to 63 ("museum.nginx" is "museum-nginx"); null when nothing is left.
   */
  public static String proposedName(String unitName) {
    if (NAME.matcher(unitName).matches()) {
      return unitName;
    }
    String n = unitName.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-").replaceAll("^-+", "");
    if (n.length() > 63) {
      n = n.substring(0, 63);
    }
    n = n.replaceAll("-+$", "");
    return n.isEmpty() ? null : n;
  }

  private static final class Reading {
    final String name;
    /** The unit's own name (and its container's, as the runbook names them): differs from name when renamed. */
    final String unitName;
    final UnitFile unit;
    final UnitFile timer;
    final FileFacts facts;
    final List<String> notes = new ArrayList<>();
    final HostServiceSpec spec = new HostServiceSpec();
    final Map<String, String> environment = new LinkedHashMap<>();
    final Map<String, String> envFileKeys = new LinkedHashMap<>();
    final Map<String, String> fileKeys = new LinkedHashMap<>();
    final ServiceLayout layout;
    String containerName;

    Reading(String name, String unitName, UnitFile unit, UnitFile timer, List<String> hosts, FileFacts facts) {
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
      schedule();
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
        if (r.endsWith(".service") && NAME.matcher(dep).matches() && !dep.equals(name)) {
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
        Integer s = seconds(v);
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
      spec.env = spec.orEmpty(spec.env).stream().filter(e -> !e.name.equals(key)).collect(java.util.stream.Collectors
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
        Integer s = delay.map(UnitImporter::seconds).orElse(0);
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

    private void schedule() {
      if (timer == null) {
        return;
      }
      for (UnitFile.Entry e : timer.entries()) {
        if (!Set.of("Description", "Documentation", "OnCalendar", "Persistent", "RandomizedDelaySec", "AccuracySec",
            "Unit", "WantedBy").contains(e.key())) {
          note(name + ".timer [" + e.section() + "] " + e.key() + "=" + e.value() + ": hostops has no timer setting for it");
        }
      }
      List<String> calendar = timer.values("Timer", "OnCalendar");
      if (calendar.isEmpty()) {
        note(name + ".timer: no OnCalendar=, so no schedule imported");
        return;
      }
      ScheduleSpec s = new ScheduleSpec();
      s.onCalendar = calendar.get(0);
      if (calendar.size() > 1) {
        note(name + ".timer: OnCalendar= given " + calendar.size() + " times; hostops takes one (" + calendar.get(0) + ")");
      }
      boolean persistent = timer.last("Timer", "Persistent").map(p -> List.of("true", "yes", "1", "on").contains(p))
          .orElse(false);
      s.persistent = persistent ? null : false;
      timer.last("Timer", "RandomizedDelaySec").ifPresent(v -> {
        Integer sec = seconds(v);
        if (sec == null) {
          note(name + ".timer: RandomizedDelaySec=" + v + " is not whole seconds up to a day");
        } else {
          s.randomizedDelaySeconds = sec;
        }
      });
      timer.last("Timer", "AccuracySec").filter(a -> !a.equals("1s"))
          .ifPresent(a -> note(name + ".timer: AccuracySec=" + a + ": hostops writes 1s"));
      timer.last("Timer", "Unit").filter(u -> !u.equals(name + ".service"))
          .ifPresent(u -> note(name + ".timer: Unit=" + u + ": hostops' timer starts " + name + ".service"));
      spec.schedule = s;
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
  }

  private static <T> List<T> add(List<T> list, T item) {
    List<T> l = list == null ? new ArrayList<>() : list;
    l.add(item);
    return l;
  }

  /** A systemd time span in whole seconds (≤ one day), or null: "90", "90s", "5min", "1h 30min", "2m". */
  static Integer seconds(String span) {
    java.util.regex.Matcher m = Pattern.compile("\\s*([0-9]+)\\s*(seconds|second|sec|s|minutes|minute|min|m|hours|hour|hr|h|days|day|d|)(?=\\s|[0-9]|$)")
        .matcher(span.strip());
    long total = 0;
    int at = 0;
    String s = span.strip();
    if (s.isEmpty()) {
      return null;
    }
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        return null;
      }
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2);
      total += n * switch (unit) {
        case "", "s", "sec", "second", "seconds" -> 1;
        case "m", "min", "minute", "minutes" -> 60;
        case "h", "hr", "hour", "hours" -> 3600;
        default -> 86400;
      };
      at = m.end();
    }
    return total <= 86400 ? (int) total : null;
  }
}
