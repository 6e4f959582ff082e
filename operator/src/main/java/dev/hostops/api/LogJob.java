package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import java.util.List;
import java.util.Map;

/** One scrape job: a log file (or glob) on the host, labelled. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogJob {
  @Required
  @Pattern("^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,62}$")
  @JsonPropertyDescription("Job name (job_name, and the job label). Unique per host across all LogScrapes.")
  public String name;

  @Required
  @Pattern("^/[^\\x00\\n\"\\\\]*$")
  @JsonPropertyDescription("Absolute path or glob on the host, e.g. /root/var/logs/museum.log.")
  public String path;

  @JsonPropertyDescription("Extra labels: Loki label names ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __).")
  public Map<String, String> labels;

  @JsonPropertyDescription("promtail pipeline_stages, passed through as written (promtail only).")
  public List<io.fabric8.kubernetes.api.model.AnyType> pipelineStages;
}
