package dev.hostops.cli;


import dev.hostops.api.Host;
import dev.hostops.host.HostConnection;
import dev.hostops.host.HostProgram;
import dev.hostops.host.Manifest;
import dev.hostops.host.Record;
import dev.hostops.importer.UnitImporter;
import dev.hostops.reconcile.HostTargets;
import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.SshTarget;
import dev.hostops.unit.DockerRun;
import dev.hostops.unit.ExecCommand;
import dev.hostops.unit.UnitFile;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * {@code hostops import UNIT-FILE [TIMER-FILE]…} and {@code hostops import --from-host HOST-MANIFEST
 * NAME…}: hand-written units in the runbook's shape as HostService YAML with {@code adopt: true}, and
 * Secret skeletons for their env and config files. What a HostService cannot express is written as
 * comments above the resource and said on stderr. Reading from a host uses its pinned key (and its
 * bastion, pinned as strictly, when the Host names one in spec.proxyJump) and only reads (the units, and
 * the type and mode of the files they mount).
 */
public final class ImportCommand {
  private static final KubernetesSerialization YAML = new KubernetesSerialization();
  static final String USAGE = "hostops import [--host NAME] UNIT-FILE [TIMER-FILE]… | hostops import --from-host "
      + "HOST-MANIFEST NAME…";

  private ImportCommand() {}

  public static int run(List<String> args, PrintStream out, PrintStream err) throws UsageException {
    String fromHost = null;
    String hostName = null;
    List<String> operands = new ArrayList<>();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--from-host" -> fromHost = CommandLine.value(args, ++i, a, "a manifest with the Host and its key Secret");
        case "--host" -> hostName = CommandLine.value(args, ++i, a, "the name of the Host resource");
        default -> {
          if (a.startsWith("-") && a.length() > 1) {
            throw new UsageException("unknown flag " + a + " (usage: " + USAGE + ")");
          }
          operands.add(a);
        }
      }
    }
    if (operands.isEmpty()) {
      throw new UsageException(fromHost == null ? "no unit file given (usage: " + USAGE + ")"
          : "no service named to read from the host (usage: " + USAGE + ")");
    }
    if (fromHost != null) {
      if (hostName != null) {
        throw new UsageException("--host and --from-host: the Host is the one in " + fromHost);
      }
      return fromHost(Path.of(fromHost), operands, out, err);
    }
    Map<String, String[]> units = new LinkedHashMap<>();
    for (String operand : operands) {
      Path p = Path.of(operand);
      String file = p.getFileName().toString();
      if (!file.endsWith(".service") && !file.endsWith(".timer")) {
        throw new UsageException(operand + ": not a .service or .timer file");
      }
      String text;
      try {
        text = Files.readString(p, StandardCharsets.UTF_8);
      } catch (NoSuchFileException e) {
        throw new UsageException(operand + ": no such file");
      } catch (IOException e) {
        throw new UsageException(operand + ": cannot read (" + e.getMessage() + ")");
      }
      String name = file.replaceFirst("\\.(service|timer)$", "");
      String[] pair = units.computeIfAbsent(name, k -> new String[2]);
      pair[file.endsWith(".service") ? 0 : 1] = text;
    }
    for (Map.Entry<String, String[]> e : units.entrySet()) {
      if (e.getValue()[0] == null) {
        throw new UsageException(e.getKey() + ".timer: give its " + e.getKey() + ".service too");
      }
    }
    List<String> hosts = List.of(hostName == null ? "my-host" : hostName);
    List<UnitImporter.Imported> imported = new ArrayList<>();
    for (Map.Entry<String, String[]> e : units.entrySet()) {
      imported.add(read(e.getKey(), e.getValue()[0], e.getValue()[1], hosts, UnitImporter.FileFacts.NONE));
    }
    print(imported, hostName == null, out, err);
    return 0;
  }

  private static UnitImporter.Imported read(String name, String service, String timer, List<String> hosts,
                                            UnitImporter.FileFacts facts) throws UsageException {
    try {
      return UnitImporter.read(name + ".service", service, timer, hosts, facts);
    } catch (UnitImporter.NotImportableException e) {
      throw new UsageException(e.getMessage());
    }
  }

  private static int fromHost(Path manifest, List<String> names, PrintStream out, PrintStream err)
      throws UsageException {
    List<String> given = names;
    names = new ArrayList<>();
    for (String n : given) {
      String unit = n.replaceFirst("[.]service$", "");
      // a unit's name (museum.nginx too: import proposes a HostService name for it), never a path
      if (!unit.matches("[A-Za-z0-9_:][A-Za-z0-9_.:-]{0,240}") || unit.contains("..")) {
        throw new UsageException("'" + n + "' is not a unit name (the unit's name, with or without .service)");
      }
      names.add(unit);
    }
    List<HasMetadata> resources = Manifests.read(List.of(manifest), "default");
    List<Host> hostList = resources.stream().filter(Host.class::isInstance).map(Host.class::cast).toList();
    if (hostList.size() != 1) {
      throw new UsageException(manifest + ": needs exactly one Host (found " + hostList.size() + ")");
    }
    Host host = hostList.get(0);
    Function<String, Secret> secrets = name -> resources.stream().filter(Secret.class::isInstance)
        .map(Secret.class::cast).filter(s -> s.getMetadata().getName().equals(name)).findFirst().orElse(null);
    SshTarget target;
    try {
      target = HostTargets.resolve(host, secrets);
    } catch (HostTargets.InvalidHostException e) {
      throw new UsageException(manifest + ": Host " + host.getMetadata().getName() + ": " + e.getMessage()
          + (e.reason() == HostTargets.InvalidHostException.Reason.SECRET_NOT_FOUND
          ? " (put the Secret in the same file)" : ""));
    }
    Duration timeout = Duration.ofSeconds(30);
    try (HostConnection c = HostConnection.open(target, timeout)) {
      Map<String, String> files = readUnits(c, names, timeout);
      Map<String, String[]> facts = new HashMap<>();
      List<String> paths = new ArrayList<>();
      for (String n : names) {
        String service = files.get("/etc/systemd/system/" + n + ".service");
        if (service == null) {
          throw new UsageException(n + ": no /etc/systemd/system/" + n + ".service on " + target.display());
        }
        paths.addAll(mounted(n, service));
      }
      facts.putAll(stat(c, paths, timeout));
      UnitImporter.FileFacts hostFacts = new UnitImporter.FileFacts() {
        @Override
        public String kind(String path) {
          return facts.containsKey(path) ? facts.get(path)[0] : null;
        }

        @Override
        public String mode(String path) {
          return facts.containsKey(path) ? facts.get(path)[1] : null;
        }
      };
      List<UnitImporter.Imported> imported = new ArrayList<>();
      for (String n : names) {
        imported.add(read(n, files.get("/etc/systemd/system/" + n + ".service"),
            files.get("/etc/systemd/system/" + n + ".timer"), List.of(host.getMetadata().getName()), hostFacts));
      }
      print(imported, false, out, err);
      return 0;
    } catch (HostException e) {
      err.println("hostops import: " + target.display() + (target.proxyJump() == null ? ""
          : " through bastion " + target.proxyJump().endpoint()) + ": " + e.getMessage());
      return 1;
    }
  }

  /** One round trip: each named unit and timer file, or nothing when absent. */
  private static Map<String, String> readUnits(HostConnection c, List<String> names, Duration timeout)
      throws HostException {
    Manifest m = new Manifest(HostProgram.Job.INSPECT);
    for (String n : names) {
      m.add(Record.READ, "/etc/systemd/system/" + n + ".service").add(Record.READ, "/etc/systemd/system/" + n + ".timer");
    }
    Map<String, String> files = new HashMap<>();
    for (String line : inspect(c, m, timeout).split("\n")) {
      String[] f = line.split("\t", 3);
      if (f.length == 3 && f[0].equals("content")) {
        files.put(f[1], new String(Base64.getDecoder().decode(f[2].strip()), StandardCharsets.UTF_8));
      }
    }
    return files;
  }

  /** One round trip: for each path, "file MODE" or "dir". */
  private static Map<String, String[]> stat(HostConnection c, List<String> paths, Duration timeout)
      throws HostException {
    if (paths.isEmpty()) {
      return Map.of();
    }
    Manifest m = new Manifest(HostProgram.Job.INSPECT);
    paths.forEach(p -> m.add(Record.STAT, p));
    Map<String, String[]> facts = new HashMap<>();
    for (String line : inspect(c, m, timeout).split("\n")) {
      String[] f = line.split("\t", 3);
      if (f.length == 3) {
        facts.put(f[2], new String[] {f[0], "-".equals(f[1]) ? null : f[1]});
      }
    }
    return facts;
  }

  /** Runs the host program's read-only inspect job (host/inspect.sh). */
  private static String inspect(HostConnection c, Manifest m, Duration timeout) throws HostException {
    ExecResult r = c.run(HostProgram.Job.INSPECT, m, timeout);
    if (!r.ok()) {
      throw new HostException("reading the units failed: " + r.stderr().strip());
    }
    return r.stdout();
  }

  /** The host paths a unit mounts (-v SOURCE:…), to ask the host whether each is a file or a directory. */
  private static List<String> mounted(String name, String service) {
    UnitFile unit = UnitFile.parse(service);
    List<String> out = new ArrayList<>();
    unit.last("Service", "ExecStart").ifPresent(v -> {
      DockerRun run = DockerRun.parse(ExecCommand.parse(v, name + ".service", Map.of()).words());
      if (run != null) {
        run.values("--volume").stream().map(x -> x.split(":")[0]).filter(x -> x.startsWith("/")).forEach(out::add);
      }
    });
    return out;
  }

  private static void print(List<UnitImporter.Imported> imported, boolean placeholderHost, PrintStream out,
                            PrintStream err) {
    StringBuilder b = new StringBuilder();
    for (UnitImporter.Imported i : imported) {
      String name = i.service().getMetadata().getName();
      String unit = i.renamedFrom() != null ? i.renamedFrom() : name;
      b.append("---\n# Imported by `hostops import` from ").append(unit).append(".service")
          .append(i.service().getSpec().schedule != null ? " and " + unit + ".timer" : "")
          .append(". adopt: true takes the unit over; the container keeps running when the rendered unit runs the same\n"
              + "# container (review with `hostops render -f`).\n");
      if (placeholderHost) {
        b.append("# spec.hosts: my-host stands for the Host resource this unit runs on (--host NAME sets it).\n");
      }
      if (!i.notes().isEmpty()) {
        b.append("# Not expressed by this HostService (check each; where it changes the container, adopting restarts it):\n");
        i.notes().forEach(n -> b.append("#   - ").append(n.replace("\n", " ")).append('\n'));
      }
      if (i.renamedFrom() != null) {
        String from = i.renamedFrom();
        String line = from + ".service: '" + from + "' cannot name a HostService; imported as " + name
            + " with spec.replaces: " + from + ".service (applying it stops " + from + ", starts " + name
            + ", then disables and removes " + from + ".service)";
        b.append("# ").append(line).append('\n');
        err.println("hostops import: " + line);
      }
      i.notes().forEach(n -> err.println("hostops import: " + name + ": not expressed: " + n.replace("\n", " ")));
      b.append(body(YAML.asYaml(i.service())));
      for (Secret s : i.secrets()) {
        b.append("---\n# Fill in each value with the file's content from the host (kubectl create secret generic "
            + s.getMetadata().getName() + " --from-file=… does the same).\n").append(body(YAML.asYaml(s)));
      }
    }
    out.print(b);
  }

  private static String body(String yaml) {
    return yaml.startsWith("---\n") ? yaml.substring(4) : yaml;
  }
}
