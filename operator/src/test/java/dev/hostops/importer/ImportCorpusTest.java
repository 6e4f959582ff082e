package dev.hostops.importer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.render.HostFile;
import dev.hostops.render.References;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.render.ServiceValidation;
import dev.hostops.unit.DockerExec;
import dev.hostops.unit.DockerRun;
import dev.hostops.unit.ExecCommand;
import dev.hostops.unit.TimeSpan;
import dev.hostops.unit.UnitEquivalence;
import dev.hostops.unit.UnitFile;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The corpus (src/test/resources/import: hand-written units in the runbook's shape, with the
 * variants people write) imported, the HostService rendered, and the rendered unit compared with
 * the original feature by feature, each read the way systemd and Docker read it. The only
 * differences allowed are the ones import reports for that unit (below, with why).
 */
class ImportCorpusTest {
  static final Path CORPUS = Path.of("src/test/resources/import");

  /** Per unit: the features import says it cannot carry over (and so lists as notes). */
  private static final Map<String, Set<String>> EXPECTED_DIFFERENCES = Map.of(
      // --privileged and --device are not HostService settings; the mkdir pre-step is not a container
      "worker", Set.of("container", "preStart", "restartDelay"),
      // a reload by signal (docker kill --signal=HUP) is not `docker exec NAME …`
      "promtail", Set.of("reload"),
      // a unit name that cannot name a HostService: imported as museum-nginx, so its container is renamed too
      "museum.nginx", Set.of("name"));

  static Stream<String> units() throws Exception {
    try (Stream<Path> files = Files.list(CORPUS)) {
      return files.map(p -> p.getFileName().toString()).filter(f -> f.endsWith(".service"))
          .map(f -> f.replaceFirst("\\.service$", "")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("units")
  void importedThenRenderedRunsTheSame(String name) throws Exception {
    String original = Files.readString(CORPUS.resolve(name + ".service"));
    Path timerFile = CORPUS.resolve(name + ".timer");
    String timer = Files.exists(timerFile) ? Files.readString(timerFile) : null;
    UnitImporter.Imported imported = UnitImporter.read(name + ".service", original, timer, List.of("vm1"),
        UnitImporter.FileFacts.NONE);
    HostService service = imported.service();
    service.getMetadata().setNamespace("prod");
    assertEquals(List.of(), ServiceValidation.problems(service), "the imported resource is valid");
    assertTrue(service.getSpec().adopt);

    // the user fills each Secret key with the file's content; here, a stand-in per path
    Map<String, Map<String, byte[]>> secrets = new HashMap<>();
    Map<String, String> contentOf = new HashMap<>();
    for (Secret s : imported.secrets()) {
      Map<String, byte[]> data = new HashMap<>();
      s.getStringData().forEach((k, v) -> {
        String path = v.replaceFirst("^REPLACE with the content of (.*) on the host\n$", "$1");
        assertFalse(path.equals(v), "placeholder names the file: " + v);
        data.put(k, ("content of " + path + "\n").getBytes(StandardCharsets.UTF_8));
        contentOf.put(path, new HostFile(path, "600", data.get(k), true).sha256());
      });
      secrets.put(s.getMetadata().getName(), data);
    }
    RenderedService rendered = ServiceRenderer.render(service, new References(secrets, Map.of()),
        dev.hostops.render.HostContext.DEFAULT);
    rendered.files().forEach(f -> contentOf.put(f.path(), f.sha256()));
    String unit = rendered.files().get(0).contentAsText();
    String renderedTimer = timer == null ? null : rendered.files().get(1).contentAsText();

    Map<String, Object> before = features(name, original, timer, contentOf::get);
    Map<String, Object> after = features(name, unit, renderedTimer, contentOf::get);
    Set<String> allowed = EXPECTED_DIFFERENCES.getOrDefault(name, Set.of());
    for (String feature : before.keySet()) {
      if (!allowed.contains(feature)) {
        assertEquals(before.get(feature), after.get(feature), name + ": " + feature + " differs\n--- original\n"
            + original + "\n--- rendered\n" + unit);
      }
    }
    for (String feature : allowed) {
      assertFalse(before.get(feature).equals(after.get(feature)), name + ": " + feature + " was expected to differ");
    }
    assertEquals(allowed.contains("container") || allowed.contains("name"),
        UnitEquivalence.difference(name + ".service", original, unit, contentOf::get).isPresent(),
        "adopting restarts the container exactly when import could not carry the container over");

    // what import said, reviewed: golden YAML per unit (regenerate with -Dgolden.update=true)
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
    List<String> args = new ArrayList<>(List.of("--host", "vm1", CORPUS.resolve(name + ".service").toString()));
    if (timer != null) {
      args.add(timerFile.toString());
    }
    assertEquals(0, dev.hostops.cli.ImportCommand.run(args, new java.io.PrintStream(out, true, StandardCharsets.UTF_8),
        new java.io.PrintStream(err, true, StandardCharsets.UTF_8)));
    Path golden = CORPUS.resolve("expected/" + name + ".yaml");
    String yaml = out.toString(StandardCharsets.UTF_8);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(golden.getParent());
      Files.writeString(golden, yaml);
    }
    assertEquals(Files.readString(golden), yaml);
    String said = err.toString(StandardCharsets.UTF_8);
    boolean renamed = !service.getMetadata().getName().equals(name);
    assertEquals(imported.notes().size() + (renamed ? 1 : 0), said.lines().count(),
        "each note said once on stderr, and a rename in one line");
    assertEquals(renamed, said.contains("hostops import: " + name + ".service: '" + name + "' cannot name a HostService; "
        + "imported as " + service.getMetadata().getName()), said);
    assertEquals(renamed ? name + ".service" : null, service.getSpec().replaces);
  }

  /**
   * What a unit does, feature by feature, read as systemd and Docker read it (defaults filled in,
   * spelling and order that do not matter taken out).
   */
  static Map<String, Object> features(String name, String service, String timer, Function<String, String> content) {
    UnitFile u = UnitFile.parse(service);
    Map<String, String> env = new HashMap<>();
    u.values("Service", "Environment").forEach(a -> ExecCommand.split(a).forEach(w -> {
      if (w.contains("=")) {
        env.put(w.substring(0, w.indexOf('=')), w.substring(w.indexOf('=') + 1));
      }
    }));
    Map<String, Object> f = new TreeMap<>();
    DockerRun run = DockerRun.parse(ExecCommand.parse(u.last("Service", "ExecStart").orElseThrow(), name + ".service", env)
        .words());
    // the container's name apart: a renamed unit's container is renamed with it
    String container = run.values("--name").isEmpty() ? null : run.values("--name").get(0);
    Map<String, Object> ctr = new TreeMap<>(run.container(p -> content.apply(p) == null ? "unknown " + p : content.apply(p)));
    @SuppressWarnings("unchecked")
    List<String> options = new ArrayList<>((List<String>) ctr.get("options"));
    options.remove("--name " + container);
    ctr.put("options", options);
    f.put("container", ctr);
    f.put("name", String.valueOf(container));
    List<String> pulls = new ArrayList<>();
    List<Object> pre = new ArrayList<>();
    for (String v : u.values("Service", "ExecStartPre")) {
      ExecCommand c = ExecCommand.parse(v, name + ".service", env);
      List<String> w = c.words();
      if (c.program().equals("docker") && w.get(1).equals("pull")) {
        pulls.add(w.get(2));
      } else if (c.program().equals("docker") && List.of("stop", "rm").contains(w.get(1)) && c.ignoreFailure()) {
        continue;
      } else {
        DockerRun step = DockerRun.parse(w);
        pre.add(step == null ? String.join(" ", w) : List.of(step.image(), step.args()));
      }
    }
    pulls.sort(null);
    f.put("pull", pulls);
    f.put("preStart", pre);
    // a docker exec as Docker reads it (its own container named as such, -w and --workdir= alike)
    f.put("reload", u.values("Service", "ExecReload").stream()
        .map(v -> ExecCommand.parse(v, name + ".service", env)).map(cmd -> {
          DockerExec exec = cmd.program().equals("docker") ? DockerExec.parse(cmd.words()) : null;
          if (exec != null) {
            return List.<Object>of("exec", exec.container().equals(container) ? "its own container" : exec.container(),
                String.valueOf(exec.workdir()), exec.other(), exec.command());
          }
          List<Object> w = new ArrayList<>(cmd.words());
          w.set(0, cmd.program());
          return w;
        }).toList());
    String policy = u.last("Service", "Restart").orElse("no");
    f.put("restart", policy);
    f.put("restartDelay", policy.equals("no") ? "n/a" : u.last("Service", "RestartSec")
        .map(TimeSpan::seconds).map(String::valueOf).orElse("100ms"));
    f.put("startLimitInterval", u.last("Unit", "StartLimitIntervalSec").or(() -> u.last("Unit", "StartLimitInterval"))
        .map(TimeSpan::seconds).map(String::valueOf).orElse("default"));
    f.put("startLimitBurst", u.last("Unit", "StartLimitBurst").orElse("default"));
    f.put("stdout", u.last("Service", "StandardOutput").orElse("journal") + " "
        + u.last("Service", "StandardError").orElse("inherit"));
    f.put("startOnBoot", u.words("Install", "WantedBy").contains("multi-user.target"));
    List<String> requires = new ArrayList<>(u.words("Unit", "Requires").stream()
        .filter(r -> !r.equals("docker.service")).toList());
    requires.sort(null);
    f.put("requires", requires);
    if (timer != null) {
      UnitFile t = UnitFile.parse(timer);
      f.put("timer", List.of(t.values("Timer", "OnCalendar"),
          t.last("Timer", "Persistent").map(p -> p.equals("true")).orElse(false),
          t.last("Timer", "RandomizedDelaySec").map(TimeSpan::seconds).map(String::valueOf).orElse("0"),
          t.last("Timer", "Unit").orElse(name + ".service")));
    }
    return f;
  }
}
