package dev.hostops.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.LogAgentSpec;
import dev.hostops.api.LogJob;
import dev.hostops.api.LogScrape;
import io.fabric8.kubernetes.api.model.AnyType;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Every field of a LogScrape, and the Host's log agent fields, against hostile values: each is
 * refused with its field named, or reaches the promtail YAML and the Alloy file verbatim. The
 * promtail file is read back with SnakeYAML's YAML 1.1 rules (as promtail's Go YAML library reads
 * it: an unquoted yes, 0x1F or ~ is not a string there), the Alloy file with an Alloy string-literal
 * reader written here from Alloy's syntax reference.
 */
class LogScrapeHostileInputTest {
  private static final String LOKI = "https://loki.example.com/loki/api/v1/push";

  static LogScrape scrape(Consumer<LogJob> change) {
    LogJob j = LogConfigRendererTest.job("app", "/var/log/app.log", new LinkedHashMap<>(Map.of("team", "web")));
    change.accept(j);
    return LogConfigRendererTest.scrape("s", new ArrayList<>(List.of(j)), null);
  }

  static Arguments refused(String field, Consumer<LogScrape> change) {
    return Arguments.of(field, change);
  }

  static Consumer<LogScrape> job(Consumer<LogJob> change) {
    return s -> change.accept(s.getSpec().jobs.get(0));
  }

  static Stream<Arguments> refusedValues() {
    return Stream.of(
        refused("spec.jobs[0].name: 'a b' is not a job name", job(j -> j.name = "a b")),
        refused("spec.jobs[0].name: 'a;reboot' is not a job name", job(j -> j.name = "a;reboot")),
        refused("spec.jobs[0].name: 'a\\x0ab' is not a job name", job(j -> j.name = "a\nb")),
        refused("spec.jobs[0].name: '-x' is not a job name", job(j -> j.name = "-x")),
        refused("spec.jobs[0].name: 'a: b' is not a job name", job(j -> j.name = "a: b")),
        refused("spec.jobs[0].name: 'null' is not a job name", job(j -> j.name = null)),
        refused("spec.jobs[0].name: docker is the container log job", job(j -> j.name = "docker")),
        refused("spec.jobs[1].name: job app is given twice", s -> s.getSpec().jobs.add(
            LogConfigRendererTest.job("app", "/var/log/other.log", null))),
        refused("spec.jobs[0].path: 'var/log/x.log' must be an absolute path", job(j -> j.path = "var/log/x.log")),
        refused("spec.jobs[0].path: '../etc/shadow' must be an absolute path", job(j -> j.path = "../etc/shadow")),
        refused("spec.jobs[0].path: '*.log' must be an absolute path", job(j -> j.path = "*.log")),
        refused("spec.jobs[0].path: 'null' must be an absolute path", job(j -> j.path = null)),
        refused("spec.jobs[0].path: '/var/log/../../etc/shadow' has a '.' or '..' segment",
            job(j -> j.path = "/var/log/../../etc/shadow")),
        refused("spec.jobs[0].path: '/var/log/./x.log' has a '.' or '..' segment", job(j -> j.path = "/var/log/./x.log")),
        refused("spec.jobs[0].path: '/var/log/..' has a '.' or '..' segment", job(j -> j.path = "/var/log/..")),
        refused("spec.jobs[0].path: '/var/log/x.log\\x0a  __path__: /etc/shadow' has a control character",
            job(j -> j.path = "/var/log/x.log\n  __path__: /etc/shadow")),
        refused("spec.jobs[0].path: '/var/log/a\\x09b' has a control character", job(j -> j.path = "/var/log/a\tb")),
        refused("spec.jobs[0].path: '/var/log/a\\x00b' has a control character", job(j -> j.path = "/var/log/a\0b")),
        refused("spec.jobs[0].path: '/var/log/\"x\".log' has a control character, '\"' or '\\'",
            job(j -> j.path = "/var/log/\"x\".log")),
        refused("spec.jobs[0].path: '/var/log/a\\*.log' has a control character, '\"' or '\\'",
            job(j -> j.path = "/var/log/a\\*.log")),
        refused("spec.jobs[0].path: '/" + "a".repeat(79) + "…' has a control character",
            job(j -> j.path = "/" + "a".repeat(5000))),
        refused("spec.jobs[0].labels.bad-label: not a valid Loki label name", job(j -> j.labels.put("bad-label", "v"))),
        refused("spec.jobs[0].labels.__path__: not a valid Loki label name", job(j -> j.labels.put("__path__", "/etc/shadow"))),
        refused("spec.jobs[0].labels.job: not a valid Loki label name", job(j -> j.labels.put("job", "other"))),
        refused("spec.jobs[0].labels.host: not a valid Loki label name", job(j -> j.labels.put("host", "other"))),
        refused("spec.jobs[0].labels.1st: not a valid Loki label name", job(j -> j.labels.put("1st", "v"))),
        refused("spec.jobs[0].labels.a b: not a valid Loki label name", job(j -> j.labels.put("a b", "v"))),
        refused("spec.jobs[0].labels.a\\x0ab: not a valid Loki label name", job(j -> j.labels.put("a\nb", "v"))),
        refused("spec.jobs[0].labels.a: b: not a valid Loki label name", job(j -> j.labels.put("a: b", "v"))),
        refused("spec.jobs[0].labels.team: 'web\\x0a__path__: /etc/shadow' has a control character",
            job(j -> j.labels.put("team", "web\n__path__: /etc/shadow"))),
        refused("spec.jobs[0].labels.team: 'a\\x1b[31m' has a control character", job(j -> j.labels.put("team", "a\u001b[31m"))),
        refused("spec.jobs[0].labels.team: needs a value", job(j -> j.labels.put("team", null))),
        refused("spec.jobs[0].labels.team: '" + "x".repeat(80) + "…' has a control character (or is over 2048",
            job(j -> j.labels.put("team", "x".repeat(2049)))),
        refused("spec.jobs[0].pipelineStages[0]: one stage per item",
            job(j -> j.pipelineStages = List.of(new AnyType(Map.of("regex", Map.of(), "json", Map.of()))))),
        refused("spec.jobs[0].pipelineStages[0]: one stage per item",
            job(j -> j.pipelineStages = List.of(new AnyType("regex")))),
        refused("spec.jobs[0].pipelineStages[0]: 'regx' is not a promtail stage",
            job(j -> j.pipelineStages = List.of(new AnyType(Map.of("regx", Map.of()))))),
        refused("spec.jobs[0]: must be a job", s -> s.getSpec().jobs.set(0, null)),
        refused("spec.services[0]: '../../etc/shadow' is not the name of a HostService",
            s -> s.getSpec().services = List.of("../../etc/shadow")),
        refused("spec.services[0]: 'a b' is not the name of a HostService", s -> s.getSpec().services = List.of("a b")),
        refused("spec.services[0]: '-x' is not the name of a HostService", s -> s.getSpec().services = List.of("-x")),
        refused("spec.services[0]: docker is the container log job", s -> s.getSpec().services = List.of("docker")),
        refused("spec.services[0]: job app is given twice", s -> s.getSpec().services = List.of("app")),
        refused("spec.hosts[0]: 'vm1;reboot' is not the name of a Host", s -> s.getSpec().hosts = List.of("vm1;reboot")),
        refused("spec.hostSelector.matchExpressions[0].operator: 'Equals' is not In, NotIn",
            s -> s.getSpec().hostSelector = new LabelSelectorBuilder().addNewMatchExpression().withKey("env")
                .withOperator("Equals").withValues("prod").endMatchExpression().build()));
  }

  @ParameterizedTest
  @MethodSource("refusedValues")
  void refusedWithTheFieldNamed(String expected, Consumer<LogScrape> change) {
    LogScrape s = scrape(j -> { });
    change.accept(s);
    List<String> problems = new ArrayList<>();
    assertEquals(List.of(), LogConfigRenderer.jobs(s, problems), "no job of an invalid LogScrape is used");
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("LogScrape s: " + expected), problems.get(0));
    var e = assertThrows(LogConfigRenderer.LogConfigException.class,
        () -> LogConfigRenderer.render("vm1", null, LOKI, List.of(s)));
    assertTrue(e.getMessage().startsWith("LogScrape s: " + expected), e.getMessage());
  }

  static Stream<Arguments> refusedAgent() {
    return Stream.of(
        Arguments.of((Consumer<LogAgentSpec>) a -> a.format = "Alloy", "spec.logAgent.format: 'Alloy' is not promtail or alloy"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.format = "promtail\n", "spec.logAgent.format: 'promtail\\x0a' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.container = "-x", "spec.logAgent.container: '-x' is not a container name"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.container = "--help", "spec.logAgent.container: '--help' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.container = "p; reboot", "spec.logAgent.container: 'p; reboot' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.container = "$(reboot)", "spec.logAgent.container: '$(reboot)' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "ftp://loki/x", "spec.logAgent.lokiUrl: 'ftp://loki/x' is not an http(s) URL"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "file:///etc/shadow", "spec.logAgent.lokiUrl: 'file:///etc/shadow' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "loki:3100", "spec.logAgent.lokiUrl: 'loki:3100' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "http://loki /push", "spec.logAgent.lokiUrl: 'http://loki /push' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "http://loki\"/push", "spec.logAgent.lokiUrl: 'http://loki\"/push' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "http://loki'/push", "spec.logAgent.lokiUrl: 'http://loki'/push' has no host name"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "http://loki/push\nclients: []",
            "spec.logAgent.lokiUrl: 'http://loki/push\\x0aclients: []' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "http://loki\\x/push", "spec.logAgent.lokiUrl: 'http://loki\\x/push' is not"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "http:///push", "spec.logAgent.lokiUrl: 'http:///push' has no host name"),
        Arguments.of((Consumer<LogAgentSpec>) a -> a.lokiUrl = "http://lo{ki}/push", "spec.logAgent.lokiUrl: 'http://lo{ki}/push' is not a URL"));
  }

  @ParameterizedTest
  @MethodSource("refusedAgent")
  void refusedAgentFieldsAreNamed(Consumer<LogAgentSpec> change, String expected) {
    LogAgentSpec agent = new LogAgentSpec();
    change.accept(agent);
    var e = assertThrows(LogConfigRenderer.LogConfigException.class,
        () -> LogConfigRenderer.render("vm1", agent, LOKI, List.of(scrape(j -> { }))));
    assertTrue(e.getMessage().startsWith(expected), e.getMessage());
  }

  @ParameterizedTest
  @MethodSource("refusedAgent")
  void theOperatorsDefaultLokiUrlIsCheckedToo(Consumer<LogAgentSpec> change, String expected) {
    LogAgentSpec agent = new LogAgentSpec();
    change.accept(agent);
    if (agent.lokiUrl == null) {
      return;
    }
    var e = assertThrows(LogConfigRenderer.LogConfigException.class,
        () -> LogConfigRenderer.render("vm1", null, agent.lokiUrl, List.of(scrape(j -> { }))));
    assertTrue(e.getMessage().startsWith(expected.replace("spec.logAgent.lokiUrl", "HOSTOPS_LOKI_URL")), e.getMessage());
  }

  /** Values that are valid as they are, chosen to break a YAML or Alloy writer that does not quote. */
  static final List<String> NASTY = List.of("a: b", "# not a comment", "'single'", "\"double\"", "back\\slash",
      "$(touch /tmp/pwned)", "${HOSTNAME}", "`id`", "%H %i %%", "- item", "{flow: map}", "[list]", "true", "yes",
      "no", "on", "off", "y", "n", "null", "~", "", "0x1F", "0o17", "017", "1e3", "1_000", ".inf", "-.inf", ".nan",
      "12:30:00", "2026-01-01", "*alias", "&anchor", "!!python/object/apply:os.system", ">folded", "|literal", "@at",
      "...", "---", " leading", "trailing ", "a ; reboot", "a && reboot", "ünïcødé ✓", "=", "?", "a,b", "a}b", "<<",
      "'; rm -rf / #");

  static Stream<String> nasty() {
    return NASTY.stream();
  }

  @ParameterizedTest
  @MethodSource("nasty")
  void labelValuesPathsAndStagesReachPromtailVerbatim(String v) throws Exception {
    String path = "/var/log/" + v.replace("/", "_") + "/*.log";
    boolean pathOk = !path.contains("\"") && !path.contains("\\") && !path.matches("(?s).*(^|/)\\.\\.?(/|$).*");
    LogScrape s = scrape(j -> {
      j.labels.put("team", v);
      if (pathOk) {
        j.path = path;
      }
      j.pipelineStages = List.of(new AnyType(Map.of("regex", Map.of("expression", v))),
          new AnyType(Map.of("static_labels", Map.of("k", v))));
    });
    String yaml = LogConfigRenderer.render(v.isBlank() || v.contains("\"") || v.contains("\\") || v.contains(" ")
        ? "vm1" : v, null, LOKI, List.of(s)).content();
    Map<String, Object> app = promtailJob(yaml, "app");
    Map<String, Object> labels = labels(app);
    assertEquals(v, labels.get("team"), yaml);
    if (pathOk) {
      assertEquals(path, labels.get("__path__"), yaml);
    }
    @SuppressWarnings("unchecked")
    List<Map<String, Map<String, Object>>> stages = (List<Map<String, Map<String, Object>>>) app.get("pipeline_stages");
    assertEquals(v, stages.get(0).get("regex").get("expression"), yaml);
    assertEquals(v, stages.get(1).get("static_labels").get("k"), yaml);
  }

  @ParameterizedTest
  @MethodSource("nasty")
  void labelValuesPathsAndHostnamesReachAlloyVerbatim(String v) throws Exception {
    String path = "/var/log/" + v.replace("/", "_") + "/*.log";
    boolean pathOk = !path.contains("\"") && !path.contains("\\") && !path.matches("(?s).*(^|/)\\.\\.?(/|$).*");
    LogScrape s = scrape(j -> {
      j.labels.put("team", v);
      if (pathOk) {
        j.path = path;
      }
    });
    LogAgentSpec alloy = new LogAgentSpec();
    alloy.format = "alloy";
    // the hostname comes from the host itself (its facts probe): quoted like any other value
    String config = LogConfigRenderer.render(v + "\n\t\u0001", alloy, LOKI, List.of(s)).content();
    Map<String, String> targets = alloyTargets(config, "job_app");
    assertEquals(v, targets.get("team"), config);
    assertEquals(v + "\n\t\u0001", targets.get("host"), config);
    if (pathOk) {
      assertEquals(path, targets.get("__path__"), config);
    }
  }

  /** Job names that YAML 1.1 would read as something else unless quoted. */
  @ParameterizedTest
  @MethodSource("jobNames")
  void jobNamesReachBothFormatsVerbatim(String name) throws Exception {
    LogScrape s = scrape(j -> j.name = name);
    String yaml = LogConfigRenderer.render("vm1", null, LOKI, List.of(s)).content();
    assertEquals(name, labels(promtailJob(yaml, name)).get("job"), yaml);
    LogAgentSpec alloy = new LogAgentSpec();
    alloy.format = "alloy";
    String config = LogConfigRenderer.render("vm1", alloy, LOKI, List.of(s)).content();
    assertEquals(name, alloyTargets(config, LogConfigRenderer.componentLabel(name)).get("job"), config);
  }

  static Stream<String> jobNames() {
    return Stream.of("true", "yes", "no", "on", "off", "y", "null", "0x1F", "0o17", "017", "1e3", "1_000", "12",
        "1.5", "a.b", "a-b", "a_b", "_", "1-2-3", "NaN", "Null", "TRUE");
  }

  @ParameterizedTest
  @MethodSource("lokiUrls")
  void lokiUrlsReachBothFormatsVerbatim(String url) throws Exception {
    LogAgentSpec agent = new LogAgentSpec();
    agent.lokiUrl = url;
    String yaml = LogConfigRenderer.render("vm1", agent, null, List.of(scrape(j -> { }))).content();
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> clients = (List<Map<String, Object>>) new Yaml().<Map<String, Object>>load(yaml).get("clients");
    assertEquals(url, clients.get(0).get("url"), yaml);
    agent.format = "alloy";
    String config = LogConfigRenderer.render("vm1", agent, null, List.of(scrape(j -> { }))).content();
    int at = config.indexOf("url = ") + "url = ".length();
    assertEquals(url, new AlloyStrings(config, at).next(), config);
  }

  static Stream<String> lokiUrls() {
    return Stream.of("http://loki:3100/loki/api/v1/push", "https://user:pa%24%24@loki.example.com/push?x=1&y=2#frag",
        "http://[::1]:3100/loki/api/v1/push", "http://10.0.0.1/a:b/#c", "https://loki/$(id)/x;y/%25H",
        "https://loki/a'b", "https://loki/a(b)");
  }

  /** Alloy component labels are identifiers, and one per job name, however alike the names are. */
  @ParameterizedTest
  @MethodSource("jobNames")
  void alloyComponentLabelsAreIdentifiersAndOneToOne(String name) {
    String label = LogConfigRenderer.componentLabel(name);
    assertTrue(label.matches("[A-Za-z_][A-Za-z0-9_]*"), label);
    jobNames().filter(other -> !other.equals(name))
        .forEach(other -> assertTrue(!label.equals(LogConfigRenderer.componentLabel(other)), name + " vs " + other));
  }

  @ParameterizedTest
  @MethodSource("lookAlikes")
  void alloyKeepsJobsWhoseNamesOnlyDifferInPunctuationApart(List<String> names) throws Exception {
    List<LogJob> jobs = names.stream().map(n -> LogConfigRendererTest.job(n, "/var/log/" + n + ".log", null)).toList();
    LogAgentSpec alloy = new LogAgentSpec();
    alloy.format = "alloy";
    String config = LogConfigRenderer.render("vm1", alloy, LOKI,
        List.of(LogConfigRendererTest.scrape("s", new ArrayList<>(jobs), null))).content();
    for (String n : names) {
      assertEquals("/var/log/" + n + ".log", alloyTargets(config, LogConfigRenderer.componentLabel(n)).get("__path__"));
    }
  }

  static Stream<List<String>> lookAlikes() {
    return Stream.of(List.of("a.b", "a-b", "a_b"), List.of("a__b", "a_b_", "a._b"), List.of("x_h", "x-"));
  }

  // --- reading the files back ---

  @SuppressWarnings("unchecked")
  private static Map<String, Object> promtailJob(String yaml, String name) {
    Map<String, Object> root = new Yaml().load(yaml);
    for (Map<String, Object> job : (List<Map<String, Object>>) root.get("scrape_configs")) {
      Object jobName = job.get("job_name");
      assertInstanceOf(String.class, jobName, "job_name must read back as a string: " + yaml);
      if (name.equals(jobName)) {
        return job;
      }
    }
    throw new AssertionError("no job " + name + " in\n" + yaml);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> labels(Map<String, Object> job) {
    Map<String, Object> labels = (Map<String, Object>) ((List<Map<String, Object>>) job.get("static_configs")).get(0)
        .get("labels");
    labels.values().forEach(v -> assertInstanceOf(String.class, v, "label values must read back as strings: " + labels));
    return labels;
  }

  /** The {"k" = "v", …} object of a local.file_match component's path_targets. */
  private static Map<String, String> alloyTargets(String config, String component) {
    String head = "local.file_match \"" + component + "\" {\n  path_targets = [{";
    int at = config.indexOf(head);
    assertTrue(at >= 0, "no component " + component + " in\n" + config);
    AlloyStrings reader = new AlloyStrings(config, at + head.length());
    Map<String, String> out = new LinkedHashMap<>();
    while (true) {
      String key = reader.next();
      reader.expect(" = ");
      out.put(key, reader.next());
      if (reader.peek() == '}') {
        reader.expect("}]\n}\n");
        return out;
      }
      reader.expect(", ");
    }
  }

  /**
   * Reads Alloy string literals: "…" with the escapes of Alloy's syntax reference (\\ \" \n \r \t
   * \a \b \f \v, \xhh, \ooo, \\uhhhh, \Uhhhhhhhh). An unescaped newline inside a literal is an error,
   * as it is for Alloy.
   */
  static final class AlloyStrings {
    private final String text;
    private int pos;

    AlloyStrings(String text, int pos) {
      this.text = text;
      this.pos = pos;
    }

    char peek() {
      return text.charAt(pos);
    }

    void expect(String s) {
      assertTrue(text.startsWith(s, pos), "expected '" + s + "' at " + pos + ": " + text.substring(pos));
      pos += s.length();
    }

    String next() {
      expect("\"");
      StringBuilder b = new StringBuilder();
      while (true) {
        char c = text.charAt(pos++);
        if (c == '"') {
          return b.toString();
        }
        assertTrue(c != '\n' && c >= 0x20 || c == '\t', "raw control character in a string literal at " + pos);
        if (c != '\\') {
          b.append(c);
          continue;
        }
        char e = text.charAt(pos++);
        switch (e) {
          case '\\' -> b.append('\\');
          case '"' -> b.append('"');
          case 'n' -> b.append('\n');
          case 'r' -> b.append('\r');
          case 't' -> b.append('\t');
          case 'a' -> b.append('\u0007');
          case 'b' -> b.append('\b');
          case 'f' -> b.append('\f');
          case 'v' -> b.append('\u000b');
          case 'x' -> b.append((char) hex(2));
          case 'u' -> b.append((char) hex(4));
          case 'U' -> b.appendCodePoint(hex(8));
          default -> {
            assertTrue(e >= '0' && e <= '7', "unknown escape \\" + e);
            b.append((char) Integer.parseInt(text.substring(pos - 1, pos + 2), 8));
            pos += 2;
          }
        }
      }
    }

    private int hex(int digits) {
      int v = Integer.parseInt(text.substring(pos, pos + digits), 16);
      pos += digits;
      return v;
    }
  }
}
