package dev.hostops.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hostops.api.LogAgentSpec;
import dev.hostops.api.LogJob;
import dev.hostops.api.LogScrape;
import dev.hostops.api.LogScrapeSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LogConfigRendererTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/logs");

  static LogScrape scrape(String name, List<LogJob> jobs, List<String> services) {
    LogScrape s = new LogScrape();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace("prod").build());
    s.setSpec(new LogScrapeSpec());
    s.getSpec().hosts = List.of("vm1");
    s.getSpec().jobs = jobs;
    s.getSpec().services = services;
    return s;
  }

  static LogJob job(String name, String path, Map<String, String> labels) {
    LogJob j = new LogJob();
    j.name = name;
    j.path = path;
    j.labels = labels;
    return j;
  }

  /** The runbook's hand-written promtail file, as LogScrapes: museum's own log, nginx's with a label. */
  static List<LogScrape> runbook() {
    LogJob nginx = job("nginx", "/root/var/logs/nginx/*.log", Map.of("team", "web"));
    nginx.pipelineStages = List.of(new io.fabric8.kubernetes.api.model.AnyType(
        Map.of("regex", Map.of("expression", "^(?P<ip>\\S+)"))));
    return List.of(scrape("web", List.of(nginx), null), scrape("museum", null, List.of("museum")));
  }

  @Test
  void promtailAndAlloyMatchGoldenFiles() throws Exception {
    LogAgentSpec promtail = new LogAgentSpec();
    String p = LogConfigRenderer.render("vm1", promtail, "https://loki.example.com/loki/api/v1/push", runbook()).content();
    LogAgentSpec alloy = new LogAgentSpec();
    alloy.format = "alloy";
    List<LogScrape> noStages = runbook();
    noStages.get(0).getSpec().jobs.get(0).pipelineStages = null;
    String a = LogConfigRenderer.render("vm1", alloy, "https://loki.example.com/loki/api/v1/push", noStages).content();
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(GOLDEN.resolve("promtail.yaml"), p);
      Files.writeString(GOLDEN.resolve("config.alloy"), a);
    }
    assertEquals(Files.readString(GOLDEN.resolve("promtail.yaml")), p);
    assertEquals(Files.readString(GOLDEN.resolve("config.alloy")), a);
  }

  @Test
  void sameInputSameBytesWhateverTheOrder() throws Exception {
    List<LogScrape> one = runbook();
    List<LogScrape> reversed = new ArrayList<>(runbook());
    java.util.Collections.reverse(reversed);
    assertEquals(LogConfigRenderer.render("h", null, "http://l", one).content(),
        LogConfigRenderer.render("h", null, "http://l", reversed).content());
  }

  @Test
  void twoLogScrapesClaimingOneJobAreBothNamed() {
    var e = assertThrows(LogConfigRenderer.LogConfigException.class, () -> LogConfigRenderer.render("h", null, "http://l",
        List.of(scrape("a", List.of(job("app", "/var/log/a.log", null)), null),
            scrape("b", null, List.of("app")))));
    assertEquals("job app is claimed by LogScrape a and LogScrape b", e.getMessage());
    assertEquals(Set.of("a", "b"), e.scrapes(), "the LogScrapes it concerns, as data");
  }

  @Test
  void aProblemOfOneLogScrapeConcernsItAloneAndOneOfTheAgentConcernsAll() {
    var one = assertThrows(LogConfigRenderer.LogConfigException.class, () -> LogConfigRenderer.render("h", null,
        "http://l", List.of(scrape("bad", List.of(job("rel", "var/log/x.log", null)), null),
            scrape("good", null, List.of("web")))));
    assertEquals(Set.of("bad"), one.scrapes(), one.getMessage());
    var agent = assertThrows(LogConfigRenderer.LogConfigException.class, () -> LogConfigRenderer.render("h", null,
        null, List.of(scrape("good", null, List.of("web")))));
    assertEquals(Set.of(), agent.scrapes(), agent.getMessage());
  }

  @Test
  void invalidPathsAndLabelsNameTheField() {
    List<String> problems = new ArrayList<>();
    LogConfigRenderer.jobs(scrape("s", List.of(job("rel", "var/log/x.log", null),
        job("lbl", "/x.log", Map.of("bad-label", "v")), job("rsv", "/x.log", Map.of("__path__", "/etc/shadow"))), null),
        problems);
    assertEquals(3, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith("LogScrape s: spec.jobs[0].path: 'var/log/x.log' must be an absolute path"));
    assertTrue(problems.get(1).startsWith("LogScrape s: spec.jobs[1].labels.bad-label: not a valid Loki label name"));
    assertTrue(problems.get(2).startsWith("LogScrape s: spec.jobs[2].labels.__path__:"));
  }

  /**
   * Every field hostops renders, checked against promtail's documented configuration
   * (grafana.com/docs/loki/latest/send-data/promtail/configuration/): names and types. No promtail
   * binary can be installed here, so this is the check that the file would load.
   */
  @Test
  void everyRenderedFieldIsInPromtailsDocumentedSchema() throws Exception {
    Map<String, String> schema = Map.ofEntries(
        Map.entry("server", "object"), Map.entry("server.http_listen_port", "int"),
        Map.entry("server.grpc_listen_port", "int"),
        Map.entry("positions", "object"), Map.entry("positions.filename", "string"),
        Map.entry("clients", "list"), Map.entry("clients[]", "object"), Map.entry("clients[].url", "string"),
        Map.entry("scrape_configs", "list"), Map.entry("scrape_configs[]", "object"),
        Map.entry("scrape_configs[].job_name", "string"),
        Map.entry("scrape_configs[].static_configs", "list"), Map.entry("scrape_configs[].static_configs[]", "object"),
        Map.entry("scrape_configs[].static_configs[].targets", "list"),
        Map.entry("scrape_configs[].static_configs[].targets[]", "string"),
        Map.entry("scrape_configs[].static_configs[].labels", "map<string,string>"),
        Map.entry("scrape_configs[].pipeline_stages", "list"),
        Map.entry("scrape_configs[].pipeline_stages[]", "stage"));
    JsonNode root = new YAMLMapper().readTree(LogConfigRenderer.render("vm1", null, "http://loki:3100/loki/api/v1/push",
        runbook()).content());
    check(root, "", schema);
  }

  private static void check(JsonNode node, String path, Map<String, String> schema) {
    if (!path.isEmpty()) {
      String type = schema.get(path);
      if (type == null) {
        fail("rendered field " + path + " is not in promtail's documented schema");
      }
      switch (type) {
        case "int" -> assertTrue(node.isInt(), path + " must be an int");
        case "string" -> assertTrue(node.isTextual(), path + " must be a string");
        case "list" -> assertTrue(node.isArray(), path + " must be a list");
        case "object" -> assertTrue(node.isObject(), path + " must be an object");
        case "map<string,string>" -> {
          assertTrue(node.isObject(), path + " must be a map");
          node.fields().forEachRemaining(e -> assertTrue(e.getValue().isTextual(), path + "." + e.getKey() + " string"));
          return;
        }
        case "stage" -> {
          assertTrue(node.isObject() && node.size() == 1, path + ": one stage per item");
          return; // stage bodies are the user's, passed through
        }
        default -> fail(type);
      }
    }
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        check(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), schema);
      }
    } else if (node.isArray()) {
      node.forEach(item -> check(item, path + "[]", schema));
    }
  }
}
