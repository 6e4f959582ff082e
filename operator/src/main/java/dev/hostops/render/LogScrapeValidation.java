package dev.hostops.render;

import static dev.hostops.render.ServiceValidation.printable;

import dev.hostops.api.LogAgentSpec;
import dev.hostops.api.LogJob;
import dev.hostops.api.LogScrape;
import dev.hostops.api.LogScrapeSpec;
import io.fabric8.kubernetes.api.model.AnyType;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Checks of a LogScrape and of a Host's log agent settings before a log agent config is rendered.
 * Every value that passes reaches the promtail YAML or Alloy file verbatim (the renderers quote it
 * for that format); none reaches a shell. The CRD schema repeats what it can; each problem names
 * its field.
 */
public final class LogScrapeValidation {
  private static final Pattern JOB = Pattern.compile(LogJob.NAME_PATTERN);
  private static final Pattern PATH = Pattern.compile(LogJob.PATH_PATTERN);
  private static final Pattern DOT_SEGMENT = Pattern.compile("(^|/)\\.\\.?(/|$)");
  private static final Pattern LABEL = Pattern.compile(LogJob.LABEL_NAME_PATTERN);
  private static final Pattern LABEL_VALUE = Pattern.compile(LogJob.LABEL_VALUE_PATTERN);
  private static final Pattern HOST_NAME = Pattern.compile("[a-z0-9]([-a-z0-9.]*[a-z0-9])?");
  private static final Pattern SERVICE = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern LOKI_URL = Pattern.compile(LogAgentSpec.LOKI_URL_PATTERN);
  private static final Pattern CONTAINER = Pattern.compile(LogAgentSpec.CONTAINER_PATTERN);
  /** promtail's stages (its documentation, as of its last release); a typo is refused here, not by promtail. */
  static final Set<String> STAGES = Set.of("cri", "decolorize", "docker", "drop", "eventlogmessage", "geoip", "json",
      "labelallow", "labeldrop", "labels", "limit", "logfmt", "luhn", "match", "metrics", "multiline", "output",
      "pack", "regex", "replace", "sampling", "static_labels", "structured_metadata", "template", "tenant",
      "timestamp");
  static final int MAX_LABEL_VALUE = 2048;

  private LogScrapeValidation() {}

  /** Problems of the LogScrape's own fields, each starting with the field (spec.jobs[0].path: …). */
  public static List<String> problems(LogScrape scrape) {
    List<String> problems = new ArrayList<>();
    LogScrapeSpec spec = scrape.getSpec();
    if (spec == null) {
      problems.add("spec: missing");
      return problems;
    }
    List<String> hosts = spec.orEmpty(spec.hosts);
    for (int i = 0; i < hosts.size(); i++) {
      if (hosts.get(i) == null || !HOST_NAME.matcher(hosts.get(i)).matches()) {
        problems.add("spec.hosts[" + i + "]: '" + printable(hosts.get(i)) + "' is not the name of a Host");
      }
    }
    if (spec.hostSelector != null) {
      List<LabelSelectorRequirement> expressions = spec.orEmpty(spec.hostSelector.getMatchExpressions());
      for (int i = 0; i < expressions.size(); i++) {
        String op = expressions.get(i).getOperator();
        if (!List.of("In", "NotIn", "Exists", "DoesNotExist").contains(op)) {
          problems.add("spec.hostSelector.matchExpressions[" + i + "].operator: '" + printable(op)
              + "' is not In, NotIn, Exists or DoesNotExist");
        }
      }
    }
    Set<String> names = new HashSet<>();
    List<LogJob> jobs = spec.orEmpty(spec.jobs);
    for (int i = 0; i < jobs.size(); i++) {
      job(jobs.get(i), "spec.jobs[" + i + "]", names, problems);
    }
    List<String> services = spec.orEmpty(spec.services);
    for (int i = 0; i < services.size(); i++) {
      String s = services.get(i);
      String field = "spec.services[" + i + "]";
      if (s == null || !SERVICE.matcher(s).matches()) {
        problems.add(field + ": '" + printable(s) + "' is not the name of a HostService");
      } else if (LogConfigRenderer.DOCKER_JOB.equals(s)) {
        problems.add(field + ": docker is the container log job hostops adds");
      } else if (!names.add(s)) {
        problems.add(field + ": job " + s + " is given twice in this LogScrape");
      }
    }
    return problems;
  }

  private static void job(LogJob j, String field, Set<String> names, List<String> problems) {
    if (j == null) {
      problems.add(field + ": must be a job (name, path)");
      return;
    }
    if (j.name == null || !JOB.matcher(j.name).matches()) {
      problems.add(field + ".name: '" + printable(j.name) + "' is not a job name (letters, digits, '_', '.', '-'; "
          + "at most 63)");
    } else if (LogConfigRenderer.DOCKER_JOB.equals(j.name)) {
      problems.add(field + ".name: docker is the container log job hostops adds");
    } else if (!names.add(j.name)) {
      problems.add(field + ".name: job " + j.name + " is given twice in this LogScrape");
    }
    if (j.path == null || !j.path.startsWith("/")) {
      problems.add(field + ".path: '" + printable(j.path) + "' must be an absolute path (a glob is fine)");
    } else if (j.path.length() > 4096 || !PATH.matcher(j.path).matches()) {
      problems.add(field + ".path: '" + printable(j.path) + "' has a control character, '\"' or '\\' (or is "
          + "over 4096 characters)");
    } else if (DOT_SEGMENT.matcher(j.path).find()) {
      problems.add(field + ".path: '" + printable(j.path) + "' has a '.' or '..' segment; write the path it means");
    }
    if (j.labels != null) {
      if (j.labels.size() > 64) {
        problems.add(field + ".labels: at most 64");
      }
      for (Map.Entry<String, String> e : j.labels.entrySet()) {
        String label = e.getKey();
        if (!LABEL.matcher(label).matches() || label.startsWith("__") || label.equals("job") || label.equals("host")) {
          problems.add(field + ".labels." + printable(label) + ": not a valid Loki label name ([a-zA-Z_][a-zA-Z0-9_]*, "
              + "not __*, not job or host, which hostops sets)");
        } else if (e.getValue() == null) {
          problems.add(field + ".labels." + label + ": needs a value");
        } else if (e.getValue().length() > MAX_LABEL_VALUE || !LABEL_VALUE.matcher(e.getValue()).matches()) {
          problems.add(field + ".labels." + label + ": '" + printable(e.getValue()) + "' has a control character "
              + "(or is over " + MAX_LABEL_VALUE + " characters, Loki's limit)");
        }
      }
    }
    List<AnyType> stages = j.pipelineStages == null ? List.of() : j.pipelineStages;
    for (int i = 0; i < stages.size(); i++) {
      Object stage = stages.get(i) == null ? null : stages.get(i).getValue();
      String at = field + ".pipelineStages[" + i + "]";
      if (!(stage instanceof Map<?, ?> m) || m.size() != 1) {
        problems.add(at + ": one stage per item, like {regex: {expression: ...}}");
      } else if (!STAGES.contains(String.valueOf(m.keySet().iterator().next()))) {
        problems.add(at + ": '" + printable(String.valueOf(m.keySet().iterator().next()))
            + "' is not a promtail stage (" + String.join(", ", new TreeSet<>(STAGES)) + ")");
      }
    }
  }

  /** Problems of the Host's log agent settings (spec.logAgent.…) and of the Loki URL in effect. */
  public static List<String> agentProblems(LogAgentSpec agent, String defaultLokiUrl) {
    List<String> problems = new ArrayList<>();
    if (agent != null) {
      if (agent.format != null && !List.of("promtail", "alloy").contains(agent.format)) {
        problems.add("spec.logAgent.format: '" + printable(agent.format) + "' is not promtail or alloy");
      }
      if (agent.container != null && (agent.container.length() > 128 || !CONTAINER.matcher(agent.container).matches())) {
        problems.add("spec.logAgent.container: '" + printable(agent.container) + "' is not a container name "
            + "(lowercase letters, digits, '_', '.', '-'; not '-' first)");
      }
      if (agent.lokiUrl != null) {
        String p = lokiUrlProblem(agent.lokiUrl);
        if (p != null) {
          problems.add("spec.logAgent.lokiUrl: " + p);
        }
      }
    }
    if (agent == null || agent.lokiUrl == null) {
      if (defaultLokiUrl == null || defaultLokiUrl.isBlank()) {
        problems.add("no Loki URL: set spec.logAgent.lokiUrl on the Host or HOSTOPS_LOKI_URL on the operator");
      } else if (lokiUrlProblem(defaultLokiUrl) != null) {
        problems.add("HOSTOPS_LOKI_URL: " + lokiUrlProblem(defaultLokiUrl));
      }
    }
    return problems;
  }

  /** Null when the URL is an http(s) URL with a host and nothing that would need quoting. */
  public static String lokiUrlProblem(String url) {
    String shown = "'" + printable(url) + "'";
    if (url.length() > 2048 || !LOKI_URL.matcher(url).matches()) {
      return shown + " is not an http(s) URL (no spaces, quotes, backslashes or control characters)";
    }
    try {
      URI uri = new URI(url);
      if (uri.getHost() == null) {
        return shown + " has no host name";
      }
    } catch (URISyntaxException e) {
      return shown + " is not a URL: " + e.getReason();
    }
    return null;
  }
}
