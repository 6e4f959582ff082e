package dev.hostops.render;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.fasterxml.jackson.dataformat.yaml.util.StringQuotingChecker;
import dev.hostops.api.LogAgentSpec;
import dev.hostops.api.LogJob;
import dev.hostops.api.LogScrape;
import io.fabric8.kubernetes.api.model.AnyType;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * One log agent config per host, merged from every LogScrape that selects it, plus the runbook's
 * defaults (a host label, Docker's container logs). Pure and deterministic: the same input gives a
 * byte-identical file, so the host's file is written (and the agent reloaded) only on real change.
 */
public final class LogConfigRenderer {
  public static final String PROMTAIL_PATH = "/root/promtail/promtail.yaml";
  public static final String ALLOY_PATH = "/root/alloy/config.alloy";
  /**
   * Where promtail records how far it read each file, inside its container. The agent's unit mounts
   * a host folder there ({@code /root/promtail/data}, see examples/promtail.yaml): the unit re-creates
   * the container on every start, and positions kept in the container would be lost, so every log
   * file would be shipped to Loki again.
   */
  public static final String PROMTAIL_POSITIONS = "/var/lib/promtail/positions.yaml";
  /** Alloy keeps its positions under {@code --storage.path}; the agent's unit mounts a host folder there. */
  public static final String ALLOY_STORAGE = "/var/lib/alloy/data";
  static final String DOCKER_JOB = "docker";
  private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
      .stringQuotingChecker(new Yaml11Quoting())
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .build());

  /**
   * Jackson leaves 0x1F, 1e3, 1_000, .inf or 017 unquoted, which promtail's YAML 1.1 reader takes
   * for numbers. Quoting a string too often is harmless; too rarely changes a user's value. So every
   * string that starts like a number, or is a YAML 1.1 boolean or null word, is quoted as well.
   */
  private static final class Yaml11Quoting extends StringQuotingChecker {
    private static final Pattern NUMBER_LIKE = Pattern.compile("[-+.0-9].*");
    private static final Pattern WORD = Pattern.compile(
        "(?i)y|n|yes|no|true|false|on|off|null|~|<<|=|\\.nan|\\.inf");
    private final StringQuotingChecker jackson =
        StringQuotingChecker.Default.instance();

    @Override
    public boolean needToQuoteName(String name) {
      return jackson.needToQuoteName(name) || yaml11(name);
    }

    @Override
    public boolean needToQuoteValue(String value) {
      return jackson.needToQuoteValue(value) || yaml11(value);
    }

    private static boolean yaml11(String s) {
      return s.isEmpty() || NUMBER_LIKE.matcher(s).matches() || WORD.matcher(s).matches();
    }
  }

  private LogConfigRenderer() {}

  /** A job with the LogScrape it came from. */
  public record SourcedJob(String scrape, LogJob job) {
    public String id() {
      return scrape + "/" + job.name;
    }
  }

  /** The rendered file. {@code jobs} lists LOGSCRAPE/JOB in effect. */
  public record LogConfig(String path, String format, String content, List<String> jobs) {
    public String hash() {
      return HostFile.sha256(content.getBytes(StandardCharsets.UTF_8)).substring(0, 16);
    }
  }

  /**
   * The jobs cannot be merged as they are; each problem names the LogScrape and field. {@link #scrapes()}: the
   * LogScrapes the problems concern (empty: every one on the host, as a problem of the Host's agent does).
   */
  public static final class LogConfigException extends Exception {
    private final Set<String> scrapes;

    public LogConfigException(List<String> problems, Set<String> scrapes) {
      super(String.join("; ", problems));
      this.scrapes = Set.copyOf(scrapes);
    }

    public Set<String> scrapes() {
      return scrapes;
    }
  }

  /**
   * Jobs of one LogScrape, the short form expanded. When a field is invalid its problems are added
   * (LogScrape NAME: spec.jobs[0].path: …) and no job of the LogScrape is returned.
   */
  public static List<SourcedJob> jobs(LogScrape scrape, List<String> problems) {
    String id = scrape.getMetadata().getName();
    List<SourcedJob> out = new ArrayList<>();
    List<String> own = LogScrapeValidation.problems(scrape);
    if (!own.isEmpty()) {
      own.forEach(p -> problems.add("LogScrape " + id + ": " + p));
      return out;
    }
    for (LogJob j : scrape.getSpec().orEmpty(scrape.getSpec().jobs)) {
      out.add(new SourcedJob(id, j));
    }
    for (String service : scrape.getSpec().orEmpty(scrape.getSpec().services)) {
      LogJob j = new LogJob();
      j.name = service;
      j.path = ServiceLayout.LOG_DIR + "/" + service + ".log";
      out.add(new SourcedJob(id, j));
    }
    return out;
  }

  public static LogConfig render(String hostname, LogAgentSpec agent, String defaultLokiUrl, List<LogScrape> scrapes)
      throws LogConfigException {
    List<String> problems = new ArrayList<>();
    Set<String> concerned = new TreeSet<>();
    Map<String, SourcedJob> byName = new TreeMap<>();
    for (LogScrape scrape : scrapes.stream().sorted(Comparator.comparing(s -> s.getMetadata().getName())).toList()) {
      int known = problems.size();
      for (SourcedJob j : jobs(scrape, problems)) {
        SourcedJob other = byName.putIfAbsent(j.job().name, j);
        if (other != null) {
          problems.add("job " + j.job().name + " is claimed by LogScrape " + other.scrape() + " and LogScrape "
              + j.scrape());
          concerned.add(other.scrape());
        }
      }
      if (problems.size() > known) {
        concerned.add(scrape.getMetadata().getName());
      }
    }
    problems.addAll(LogScrapeValidation.agentProblems(agent, defaultLokiUrl));
    String lokiUrl = agent != null && agent.lokiUrl != null ? agent.lokiUrl : defaultLokiUrl;
    if (!problems.isEmpty()) {
      throw new LogConfigException(problems, concerned);
    }
    List<SourcedJob> jobs = List.copyOf(byName.values());
    String format = agent == null ? "promtail" : agent.formatOrDefault();
    if ("alloy".equals(format)) {
      for (SourcedJob j : jobs) {
        int known = problems.size();
        alloyStages(j, problems);
        if (problems.size() > known) {
          concerned.add(j.scrape());
        }
      }
      if (!problems.isEmpty()) {
        throw new LogConfigException(problems, concerned);
      }
      return new LogConfig(ALLOY_PATH, format, alloy(hostname, lokiUrl, jobs), jobs.stream().map(SourcedJob::id).toList());
    }
    return new LogConfig(PROMTAIL_PATH, format, promtail(hostname, lokiUrl, jobs),
        jobs.stream().map(SourcedJob::id).toList());
  }

  static String promtail(String hostname, String lokiUrl, List<SourcedJob> jobs) {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("server", map("http_listen_port", 9080, "grpc_listen_port", 0));
    root.put("positions", map("filename", PROMTAIL_POSITIONS));
    root.put("clients", List.of(map("url", lokiUrl)));
    List<Object> scrapeConfigs = new ArrayList<>();
    Map<String, Object> dockerLabels = new TreeMap<>(Map.of("job", DOCKER_JOB, "host", hostname,
        "__path__", "/var/lib/docker/containers/*/*-json.log"));
    Map<String, Object> docker = new LinkedHashMap<>();
    docker.put("job_name", DOCKER_JOB);
    docker.put("static_configs", List.of(map("targets", List.of("localhost"), "labels", dockerLabels)));
    docker.put("pipeline_stages", List.of(map("docker", Map.of())));
    scrapeConfigs.add(docker);
    for (SourcedJob sj : jobs) {
      LogJob j = sj.job();
      Map<String, Object> labels = new TreeMap<>();
      if (j.labels != null) {
        labels.putAll(j.labels);
      }
      labels.put("job", j.name);
      labels.put("host", hostname);
      labels.put("__path__", j.path);
      Map<String, Object> job = new LinkedHashMap<>();
      job.put("job_name", j.name);
      job.put("static_configs", List.of(map("targets", List.of("localhost"), "labels", labels)));
      if (j.pipelineStages != null && !j.pipelineStages.isEmpty()) {
        job.put("pipeline_stages", j.pipelineStages.stream().map(AnyType::getValue)
            .toList());
      }
      scrapeConfigs.add(job);
    }
    root.put("scrape_configs", scrapeConfigs);
    try {
      return "# Managed by hostops from the LogScrapes selecting this host. Edits here are reverted.\n"
          + YAML.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  static String alloy(String hostname, String lokiUrl, List<SourcedJob> jobs) {
    StringBuilder a = new StringBuilder();
    a.append("// Managed by hostops from the LogScrapes selecting this host. Edits here are reverted.\n");
    a.append("// Run alloy with --storage.path=").append(ALLOY_STORAGE)
        .append(" on a host folder (/root/alloy/data), so read positions survive a new container.\n\n");
    a.append("loki.write \"default\" {\n  endpoint {\n    url = ").append(str(lokiUrl)).append("\n  }\n}\n\n");
    a.append("discovery.docker \"containers\" {\n  host = \"unix:///var/run/docker.sock\"\n}\n\n");
    a.append("loki.source.docker \"docker\" {\n  host       = \"unix:///var/run/docker.sock\"\n")
        .append("  targets    = discovery.docker.containers.targets\n")
        .append("  labels     = {\"job\" = \"docker\", \"host\" = ").append(str(hostname)).append("}\n")
        .append("  forward_to = [loki.write.default.receiver]\n}\n");
    for (SourcedJob sj : jobs) {
      LogJob j = sj.job();
      String id = componentLabel(j.name);
      Map<String, String> labels = new TreeMap<>();
      if (j.labels != null) {
        labels.putAll(j.labels);
      }
      labels.put("job", j.name);
      labels.put("host", hostname);
      labels.put("__path__", j.path);
      a.append("\nlocal.file_match \"").append(id).append("\" {\n  path_targets = [{");
      List<String> pairs = new ArrayList<>();
      labels.forEach((k, v) -> pairs.add(str(k) + " = " + str(v)));
      a.append(String.join(", ", pairs)).append("}]\n}\n\n");
      List<String> problems = new ArrayList<>();
      String stages = alloyStages(sj, problems);
      a.append("loki.source.file \"").append(id).append("\" {\n  targets    = local.file_match.").append(id)
          .append(".targets\n  forward_to = [").append(stages.isEmpty() ? "loki.write.default" : "loki.process." + id)
          .append(".receiver]\n}\n");
      if (!stages.isEmpty()) {
        a.append("\nloki.process \"").append(id).append("\" {\n  forward_to = [loki.write.default.receiver]\n\n")
            .append(stages).append("}\n");
      }
    }
    return a.toString();
  }

  /** The job's promtail pipeline stages as Alloy stage blocks ("" when it has none); what has no equivalent is a problem. */
  private static String alloyStages(SourcedJob sj, List<String> problems) {
    List<AnyType> stages = sj.job().pipelineStages;
    if (stages == null || stages.isEmpty()) {
      return "";
    }
    return AlloyStages.blocks(stages.stream().map(s -> s == null ? null : s.getValue()).toList(), "  ",
        "LogScrape " + sj.scrape() + ": job " + sj.job().name, problems);
  }

  /**
   * The Alloy component label of a job: an identifier, and one-to-one with job names (a.b and a-b
   * must not both become job_a_b, or Alloy refuses the duplicate component).
   */
  static String componentLabel(String job) {
    StringBuilder b = new StringBuilder("job_");
    for (char c : job.toCharArray()) {
      switch (c) {
        case '_' -> b.append("__");
        case '.' -> b.append("_d");
        case '-' -> b.append("_h");
        default -> b.append(c);
      }
    }
    return b.toString();
  }

  /** An Alloy string literal: double quotes, Go-style escapes. */
  static String str(String value) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : value.toCharArray()) {
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '"' -> b.append("\\\"");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        default -> b.append(c < 0x20 ? String.format("\\u%04x", (int) c) : String.valueOf(c));
      }
    }
    return b.append('"').toString();
  }

  private static Map<String, Object> map(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }
}
