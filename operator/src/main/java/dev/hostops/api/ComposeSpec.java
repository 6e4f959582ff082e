package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A Docker Compose project run under systemd instead of a single image (the runbook's "sentry"
 * exception). The file is written to /root/SERVICE/compose.yaml; the project name is the service name.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.content) != has(self.configMapRef)", message = "set exactly one of content, configMapRef")
public class ComposeSpec {
  @JsonPropertyDescription("The compose file, inline.")
  public String content;

  @JsonPropertyDescription("The compose file from a ConfigMap key.")
  public ValueSource configMapRef;
}
