package dev.hostops.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hostops.api.LogAgentSpec;
import dev.hostops.api.LogJob;
import dev.hostops.api.LogScrape;
import io.fabric8.kubernetes.api.model.AnyType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/**
 * promtail pipeline stages translated to Alloy's loki.process: one golden file per stage
 * (golden/logs/alloy-stages, regenerate with -Dgolden.update=true and review), and every rendered
 * block and argument checked against Alloy's reference for loki.process (the table below, taken from
 * grafana/alloy docs/sources/reference/components/loki/loki.process.md), parsed back with a reader
 * of Alloy's syntax written here. No Alloy binary can be installed on these machines.
 */
class AlloyStagesTest {
  private static final Path GOLDEN = Path.of("src/test/resources/golden/logs/alloy-stages");
  private static final YAMLMapper YAML = new YAMLMapper();

  /** Alloy's documented arguments per block: name → type (string, number, bool, duration, list, map). */
  private static final Map<String, Map<String, String>> ALLOY = Map.ofEntries(
      Map.entry("stage.cri", Map.of("max_partial_line_size_truncate", "bool", "max_partial_line_size", "number",
          "max_partial_lines", "number")),
      Map.entry("stage.decolorize", Map.of()),
      Map.entry("stage.docker", Map.of()),
      Map.entry("stage.drop", Map.of("drop_counter_reason", "string", "expression", "string", "longer_than", "string",
          "older_than", "duration", "separator", "string", "source", "string", "value", "string")),
      Map.entry("stage.eventlogmessage", Map.of("drop_invalid_labels", "bool", "overwrite_existing", "bool",
          "source", "string")),
      Map.entry("stage.geoip", Map.of("db", "string", "source", "string", "custom_lookups", "map", "db_type", "string")),
      Map.entry("stage.json", Map.of("expressions", "map", "drop_malformed", "bool", "source", "string")),
      Map.entry("stage.label_drop", Map.of("values", "list")),
      Map.entry("stage.label_keep", Map.of("values", "list")),
      Map.entry("stage.labels", Map.of("values", "map")),
      Map.entry("stage.limit", Map.of("burst", "number", "rate", "number", "by_label_name", "string", "drop", "bool",
          "max_distinct_labels", "number")),
      Map.entry("stage.logfmt", Map.of("mapping", "map", "source", "string")),
      Map.entry("stage.luhn", Map.of("min_length", "number", "replacement", "string", "source", "string")),
      Map.entry("stage.match", Map.of("selector", "string", "action", "string", "drop_counter_reason", "string",
          "pipeline_name", "string")),
      Map.entry("stage.metrics", Map.of()),
      Map.entry("metric.counter", Map.of("action", "string", "name", "string", "count_entry_bytes", "bool",
          "description", "string", "match_all", "bool", "max_idle_duration", "duration", "prefix", "string",
          "source", "string", "value", "string")),
      Map.entry("metric.gauge", Map.of("action", "string", "name", "string", "description", "string",
          "max_idle_duration", "duration", "prefix", "string", "source", "string", "value", "string")),
      Map.entry("metric.histogram", Map.of("buckets", "list", "name", "string", "description", "string",
          "max_idle_duration", "duration", "prefix", "string", "source", "string", "value", "string")),
      Map.entry("stage.multiline", Map.of("firstline", "string", "max_lines", "number", "max_wait_time", "duration")),
      Map.entry("stage.output", Map.of("source", "string")),
      Map.entry("stage.pack", Map.of("labels", "list", "ingest_timestamp", "bool")),
      Map.entry("stage.regex", Map.of("expression", "string", "source", "string")),
      Map.entry("stage.replace", Map.of("expression", "string", "replace", "string", "source", "string")),
      Map.entry("stage.sampling", Map.of("rate", "number", "drop_counter_reason", "string")),
      Map.entry("stage.static_labels", Map.of("values", "map")),
      Map.entry("stage.structured_metadata", Map.of("values", "map")),
      Map.entry("stage.template", Map.of("source", "string", "template", "string")),
      Map.entry("stage.tenant", Map.of("label", "string", "source", "string", "value", "string")),
      Map.entry("stage.timestamp", Map.of("format", "string", "source", "string", "action_on_failure", "string",
          "fallback_formats", "list", "location", "string")));
  private static final Map<String, List<String>> REQUIRED = Map.of("stage.json", List.of("expressions"),
      "stage.limit", List.of("burst", "rate"), "stage.logfmt", List.of("mapping"), "stage.match", List.of("selector"),
      "stage.multiline", List.of("firstline"), "stage.output", List.of("source"), "stage.regex", List.of("expression"),
      "stage.template", List.of("source", "template"), "stage.timestamp", List.of("format", "source"),
      "stage.pack", List.of("labels"));

  /** Each promtail stage as people write it in promtail.yaml (promtail's documentation's examples, and more). */
  static Stream<Arguments> stages() {
    return Stream.of(
        Arguments.of("docker", "- docker: {}\n"),
        Arguments.of("cri", "- cri:\n    max_partial_lines: 200\n    max_partial_line_size: 16384\n"
            + "    max_partial_line_size_truncate: true\n"),
        Arguments.of("json", "- json:\n    expressions:\n      level:\n      msg: message\n      user: \"\\\"request_User-Agent\\\"\"\n"
            + "    source: payload\n    drop_malformed: true\n"),
        Arguments.of("regex", "- regex:\n    expression: '^(?P<ip>\\S+) \\[(?P<ts>[^\\]]+)\\] \"(?P<method>\\w+)'\n"
            + "    source: content\n"),
        Arguments.of("logfmt", "- logfmt:\n    mapping:\n      extra:\n      username: user\n    source: line\n"),
        Arguments.of("labels", "- labels:\n    level:\n    user: username\n"),
        Arguments.of("static_labels", "- static_labels:\n    env: prod\n    '1x': 'yes'\n"),
        Arguments.of("labelallow", "- labelallow: [job, host, level]\n"),
        Arguments.of("labeldrop", "- labeldrop:\n    - filename\n    - stream\n"),
        Arguments.of("timestamp", "- timestamp:\n    source: time\n    format: RFC3339Nano\n"
            + "    fallback_formats: [UnixMs, '2006-01-02 15:04:05']\n    location: Europe/Berlin\n"
            + "    action_on_failure: skip\n"),
        Arguments.of("output", "- output:\n    source: msg\n"),
        Arguments.of("template", "- template:\n    source: level\n"
            + "    template: '{{ if eq .Value \"WARN\" }}{{ Replace .Value \"WARN\" \"warning\" -1 }}{{ else }}{{ .Value | ToLower }}{{ end }}'\n"),
        Arguments.of("replace", "- replace:\n    expression: 'password=(\\S+)'\n    replace: '****'\n    source: msg\n"),
        Arguments.of("drop", "- drop:\n    source: [level, app]\n    separator: ';'\n    value: debug;museum\n"
            + "- drop:\n    expression: '.*healthz.*'\n    older_than: 24h\n    longer_than: 8KB\n"
            + "    drop_counter_reason: noise\n"),
        Arguments.of("match", "- match:\n    selector: '{job=\"nginx\"} |~ \"GET /healthz\"'\n    action: drop\n"
            + "    drop_counter_reason: health\n"
            + "- match:\n    selector: '{job=\"museum\"}'\n    pipeline_name: museum\n    stages:\n"
            + "      - json:\n          expressions: {level: ''}\n      - labels:\n          level:\n"),
        Arguments.of("multiline", "- multiline:\n    firstline: '^\\[\\d{4}-\\d{2}-\\d{2}'\n    max_wait_time: 3s\n"
            + "    max_lines: 500\n"),
        Arguments.of("limit", "- limit:\n    rate: 10\n    burst: 20\n    drop: true\n    by_label_name: level\n"
            + "    max_distinct_labels: 100\n"),
        Arguments.of("decolorize", "- decolorize:\n"),
        Arguments.of("pack", "- pack:\n    labels: [env, user_id]\n    ingest_timestamp: false\n"),
        Arguments.of("tenant", "- tenant:\n    source: customer_id\n"),
        Arguments.of("sampling", "- sampling:\n    rate: 0.25\n"),
        Arguments.of("structured_metadata", "- structured_metadata:\n    trace_id:\n"),
        Arguments.of("geoip", "- geoip:\n    db: /etc/geoip/GeoLite2-City.mmdb\n    source: ip\n    db_type: city\n"
            + "    custom_lookups:\n      department: MyCompany.DeptName\n"),
        Arguments.of("eventlogmessage", "- eventlogmessage:\n    source: message\n    overwrite_existing: true\n"),
        Arguments.of("luhn", "- luhn:\n    replacement: '**REDACTED**'\n    min_length: 13\n"),
        Arguments.of("metrics", "- metrics:\n    log_lines_total:\n      type: Counter\n      description: lines\n"
            + "      prefix: my_\n      max_idle_duration: 24h\n      config:\n        match_all: true\n        action: inc\n"
            + "    response_seconds:\n      type: Histogram\n      source: response_time\n      config:\n"
            + "        buckets: [0.001, 0.25, 1]\n"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("stages")
  void eachStageMatchesItsGoldenFileAndAlloysReference(String stage, String promtail) throws Exception {
    String config = render(promtail);
    int at = config.indexOf("loki.process \"job_app\" {\n");
    assertTrue(at >= 0, config);
    String block = config.substring(at);
    assertTrue(config.contains("forward_to = [loki.process.job_app.receiver]"), "the file source feeds the pipeline");
    Path golden = GOLDEN.resolve(stage + ".alloy");
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, block);
    }
    assertEquals(Files.readString(golden), block);

    AlloyReader.Block process = new AlloyReader(block).block();
    assertEquals("loki.process", process.name());
    assertEquals(List.of("loki.write.default.receiver"), process.attributes().get("forward_to"));
    process.blocks().forEach(AlloyStagesTest::checkAgainstReference);
    assertTrue(process.blocks().size() >= 1);
  }

  @Test
  void everyPromtailStageHostopsAcceptsHasATranslation() {
    List<String> tested = stages().map(a -> (String) a.get()[0]).toList();
    assertEquals(new java.util.TreeSet<>(LogScrapeValidation.STAGES), new java.util.TreeSet<>(tested));
  }

  @Test
  void valuesReachAlloyVerbatim() throws Exception {
    String hostile = "a\"b\\c\nd\te ${HOME} {{ .x }} // not a comment";
    String config = render("- replace:\n    expression: '(x)'\n    replace: " + YAML.writeValueAsString(hostile)
        .substring(4).strip() + "\n");
    AlloyReader.Block process = new AlloyReader(config.substring(config.indexOf("loki.process \""))).block();
    assertEquals(hostile, process.blocks().get(0).attributes().get("replace"));
  }

  @Test
  void settingsWithoutAnAlloyEquivalentAreRefusedWithJobStageAndSettingNamed() {
    var e = assertThrows(LogConfigRenderer.LogConfigException.class,
        () -> render("- regex:\n    expression: x\n- replace:\n    expresion: '(x)'\n"));
    assertEquals("LogScrape s: job app: pipeline stage 1 (replace): setting 'expresion' has no Alloy equivalent "
        + "(stage.replace takes expression, source, replace)", e.getMessage());
    var wrongType = assertThrows(LogConfigRenderer.LogConfigException.class,
        () -> render("- limit:\n    rate: fast\n    burst: 1\n"));
    assertEquals("LogScrape s: job app: pipeline stage 0 (limit): rate must be a number", wrongType.getMessage());
    var metric = assertThrows(LogConfigRenderer.LogConfigException.class,
        () -> render("- metrics:\n    m:\n      type: Summary\n"));
    assertEquals("LogScrape s: job app: pipeline stage 0 (metrics): metric m: type must be Counter, Gauge or Histogram",
        metric.getMessage());
  }

  @Test
  void promtailConfigStillCarriesTheStagesAsWritten() throws Exception {
    LogScrape s = scrape("- regex:\n    expression: '^(?P<ip>\\S+)'\n");
    String promtail = LogConfigRenderer.render("vm1", null, "http://loki:3100/loki/api/v1/push", List.of(s)).content();
    assertTrue(promtail.contains("pipeline_stages:\n  - regex:\n      expression: ^(?P<ip>\\S+)"), promtail);
  }

  private static void checkAgainstReference(AlloyReader.Block b) {
    Map<String, String> args = ALLOY.get(b.name());
    assertNotNull(args, b.name() + " is not a block of Alloy's loki.process");
    b.attributes().forEach((k, v) -> {
      String type = args.get(k);
      assertNotNull(type, b.name() + "." + k + " is not in Alloy's reference");
      switch (type) {
        case "string" -> assertInstanceOf(String.class, v, b.name() + "." + k);
        case "duration" -> assertTrue(v instanceof String d && d.matches("[0-9]+(ns|us|ms|s|m|h)"), b.name() + "." + k);
        case "number" -> assertInstanceOf(java.math.BigDecimal.class, v, b.name() + "." + k);
        case "bool" -> assertInstanceOf(Boolean.class, v, b.name() + "." + k);
        case "list" -> assertInstanceOf(List.class, v, b.name() + "." + k);
        case "map" -> {
          assertInstanceOf(Map.class, v, b.name() + "." + k);
          ((Map<?, ?>) v).values().forEach(x -> assertInstanceOf(String.class, x));
        }
        default -> fail(type);
      }
    });
    REQUIRED.getOrDefault(b.name(), List.of()).forEach(r -> assertTrue(b.attributes().containsKey(r),
        b.name() + " needs " + r));
    if (b.name().startsWith("metric.")) {
      assertTrue(b.attributes().containsKey("name"));
    }
    if (!b.blocks().isEmpty()) {
      assertTrue(b.name().equals("stage.match") || b.name().equals("stage.metrics"), b.name() + " has no inner blocks");
    }
    b.blocks().forEach(AlloyStagesTest::checkAgainstReference);
  }

  private static LogScrape scrape(String stagesYaml) throws Exception {
    List<?> stages = YAML.readValue(stagesYaml, List.class);
    LogJob j = LogConfigRendererTest.job("app", "/root/var/logs/app.log", null);
    j.pipelineStages = stages.stream().map(AnyType::new).toList();
    return LogConfigRendererTest.scrape("s", List.of(j), null);
  }

  private static String render(String stagesYaml) throws Exception {
    LogAgentSpec alloy = new LogAgentSpec();
    alloy.format = "alloy";
    return LogConfigRenderer.render("vm1", alloy, "http://loki:3100/loki/api/v1/push", List.of(scrape(stagesYaml)))
        .content();
  }

  /**
   * A reader of the part of Alloy's syntax the renderer writes: blocks ({@code name "label" { … }}),
   * attributes ({@code name = expr}), string literals (escapes as Alloy's syntax reference lists them),
   * numbers, booleans, lists, objects, and references ({@code a.b.c}, read as their text).
   */
  static final class AlloyReader {
    record Block(String name, String label, Map<String, Object> attributes, List<Block> blocks) {}

    private final String text;
    private int pos;

    AlloyReader(String text) {
      this.text = text;
    }

    Block block() {
      skip();
      String name = identifier();
      skip();
      String label = null;
      if (peek() == '"') {
        label = string();
        skip();
      }
      expect('{');
      Map<String, Object> attributes = new LinkedHashMap<>();
      List<Block> blocks = new ArrayList<>();
      while (true) {
        skip();
        if (peek() == '}') {
          pos++;
          return new Block(name, label, attributes, blocks);
        }
        int mark = pos;
        String id = identifier();
        skip();
        if (peek() == '=') {
          pos++;
          skip();
          assertTrue(attributes.put(id, value()) == null, "attribute " + id + " given twice");
          int eol = text.indexOf('\n', pos);
          assertTrue(text.substring(pos, eol).isBlank(), "one attribute per line: " + text.substring(pos, eol));
        } else {
          pos = mark;
          blocks.add(block());
        }
      }
    }

    private Object value() {
      char c = peek();
      if (c == '"') {
        return string();
      }
      if (c == '[') {
        pos++;
        List<Object> list = new ArrayList<>();
        skip();
        while (peek() != ']') {
          list.add(value());
          skip();
          if (peek() == ',') {
            pos++;
            skip();
          }
        }
        pos++;
        return list;
      }
      if (c == '{') {
        pos++;
        Map<String, Object> object = new LinkedHashMap<>();
        skip();
        while (peek() != '}') {
          String key = peek() == '"' ? string() : identifier();
          skip();
          expect('=');
          skip();
          object.put(key, value());
          skip();
          if (peek() == ',') {
            pos++;
            skip();
          }
        }
        pos++;
        return object;
      }
      if (c == '-' || Character.isDigit(c)) {
        int start = pos++;
        while (pos < text.length() && (Character.isDigit(peek()) || peek() == '.')) {
          pos++;
        }
        return new java.math.BigDecimal(text.substring(start, pos));
      }
      String word = identifier();
      return switch (word) {
        case "true" -> Boolean.TRUE;
        case "false" -> Boolean.FALSE;
        default -> word; // a reference such as loki.write.default.receiver
      };
    }

    private String string() {
      LogScrapeHostileInputTest.AlloyStrings strings = new LogScrapeHostileInputTest.AlloyStrings(text, pos);
      String s = strings.next();
      // find where the literal ended: re-scan with the same escapes
      int i = pos + 1;
      while (text.charAt(i) != '"') {
        i += text.charAt(i) == '\\' ? 2 : 1;
      }
      pos = i + 1;
      return s;
    }

    private String identifier() {
      int start = pos;
      while (pos < text.length() && (Character.isLetterOrDigit(peek()) || peek() == '_' || peek() == '.')) {
        pos++;
      }
      assertTrue(pos > start, "expected an identifier at: " + text.substring(start, Math.min(text.length(), start + 40)));
      return text.substring(start, pos);
    }

    private void skip() {
      while (pos < text.length()) {
        char c = peek();
        if (Character.isWhitespace(c)) {
          pos++;
        } else if (text.startsWith("//", pos)) {
          pos = text.indexOf('\n', pos);
        } else {
          return;
        }
      }
    }

    private char peek() {
      return text.charAt(pos);
    }

    private void expect(char c) {
      assertEquals(c, peek(), "at " + pos + ": " + text.substring(pos, Math.min(text.length(), pos + 40)));
      pos++;
    }
  }
}
