package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A config or credential file written to /root/SERVICE/NAME on the host and, when mountPath is
 * set, mounted into the container: the runbook's way of giving a service its configuration.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
// Constant cost: a list macro (filter) here was refused by kube-apiserver's CEL cost budget.
@ValidationRule(value = "(has(self.secretRef) ? 1 : 0) + (has(self.configMapRef) ? 1 : 0) + (has(self.content) ? 1 : 0) == 1",
    message = "set exactly one of secretRef, configMapRef, content")
public class ServiceFile {
  @Required
  @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
  @JsonPropertyDescription("File name under /root/<service>/ on the host. Letters, digits, '.', '_', '-'; no paths.")
  public String name;

  @Pattern("^/[^\\x00\\n:]*$")
  @JsonPropertyDescription("Where to mount the file in the container (absolute path). Not mounted when empty.")
  public String mountPath;

  @JsonPropertyDescription("Mount read-only (default true).")
  public Boolean readOnly;

  @Pattern("^0?[0-7]{3}$")
  @JsonPropertyDescription("File mode in octal, e.g. \"0640\". Defaults to 0600 for Secrets, 0644 otherwise.")
  public String mode;

  @JsonPropertyDescription("Take the content from this Secret key (the file is a credential).")
  public ValueSource secretRef;

  @JsonPropertyDescription("Take the content from this ConfigMap key.")
  public ValueSource configMapRef;

  @JsonPropertyDescription("Inline content, for configuration that is not secret.")
  public String content;

  public boolean readOnlyOrDefault() {
    return readOnly == null || readOnly;
  }
}
