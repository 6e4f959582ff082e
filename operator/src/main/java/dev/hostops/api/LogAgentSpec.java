package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Size;

/** The host's log agent, whose config hostops writes from the LogScrapes that select the host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogAgentSpec {
  public static final String FORMAT_PATTERN = "^(promtail|alloy)$";
  /** http(s), then no white space, quote, backslash or control character. */
  public static final String LOKI_URL_PATTERN = "^https?://[^\\s\"\\\\\\x00-\\x1f\\x7f]+$";
  /** A Docker container name that cannot be taken for an option (no leading '-'). */
  public static final String CONTAINER_PATTERN = "^[a-z0-9][a-z0-9_.-]*$";

  @Pattern(FORMAT_PATTERN)
  @JsonPropertyDescription("Config format: promtail (default) or alloy (Grafana Alloy, promtail's successor).")
  public String format;

  @Pattern(LOKI_URL_PATTERN)
  @Size(max = 2048)
  @JsonPropertyDescription("Loki push URL (http or https). Defaults to the operator's HOSTOPS_LOKI_URL.")
  public String lokiUrl;

  @Pattern(CONTAINER_PATTERN)
  @Size(max = 128)
  @JsonPropertyDescription("Name of the log agent's container, sent SIGHUP to reload its config (default promtail or alloy).")
  public String container;

  @JsonPropertyDescription("Take over a config file at the agent's path that hostops did not write.")
  public boolean adopt;

  public String formatOrDefault() {
    return format == null ? "promtail" : format;
  }

  public String containerOrDefault() {
    return container != null ? container : formatOrDefault();
  }
}
