package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;

/** The host's log agent, whose config hostops writes from the LogScrapes that select the host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogAgentSpec {
  @Pattern("^(promtail|alloy)$")
  @JsonPropertyDescription("Config format: promtail (default) or alloy (Grafana Alloy, promtail's successor).")
  public String format;

  @Pattern("^https?://[^\\s\"\\\\]+$")
  @JsonPropertyDescription("Loki push URL. Defaults to the operator's HOSTOPS_LOKI_URL.")
  public String lokiUrl;

  @Pattern("^[a-z0-9][a-z0-9_.-]*$")
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
