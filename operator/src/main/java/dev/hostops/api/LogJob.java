package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.AnyType;
import java.util.List;
import java.util.Map;

/** One scrape job: a log file (or glob) on the host, labelled. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogJob {
  public static final String NAME_PATTERN = "^[a-zA-Z0-9_][a-zA-Z0-9_.-]{0,62}$";
  /** Absolute; no control character, double quote or backslash (a glob escape). */
  public static final String PATH_PATTERN = "^/[^\\x00-\\x1f\\x7f\"\\\\]*$";
  public static final String LABEL_NAME_PATTERN = "^[a-zA-Z_][a-zA-Z0-9_]*$";
  /** Loki label values: any text without control characters. */
  public static final String LABEL_VALUE_PATTERN = "^[^\\x00-\\x1f\\x7f]*$";

  @Required
  @Pattern(NAME_PATTERN)
  @ValidationRule(value = "self != 'docker'", message = "docker is the container log job hostops adds")
  @JsonPropertyDescription("Job name (job_name, and the job label). Unique per host across all LogScrapes.")
  public String name;

  @Required
  @Pattern(PATH_PATTERN)
  @Size(max = 4096)
  // No CEL rule for '.'/'..' segments: a regex over a 4096-character string in an unbounded list exceeded the
  // API server's cost budget 100-fold and the CRD was refused; LogScrapeValidation refuses them by field.
  @JsonPropertyDescription("Absolute path or glob on the host, e.g. /root/var/logs/museum.log.")
  public String path;

  @Size(max = 64)
  @JsonPropertyDescription("Extra labels: Loki label names ([a-zA-Z_][a-zA-Z0-9_]*, not starting with __, not job or "
      + "host); values without control characters, at most 2048 characters.")
  public Map<String, @Pattern(LABEL_VALUE_PATTERN) @Size(max = 2048) String> labels;

  @JsonPropertyDescription("promtail pipeline_stages: each item one stage, like {regex: {expression: ...}}. Passed "
      + "through as written to promtail; translated to the matching stage.* blocks of a loki.process component for "
      + "Alloy hosts (labelallow/labeldrop become label_keep/label_drop).")
  public List<AnyType> pipelineStages;
}
