package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/** A bind mount of a host path or a named Docker volume (docker run -v SOURCE:TARGET[:ro]). */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.hostPath) != has(self.name)", message = "set exactly one of hostPath, name")
public class Volume {
  @Pattern("^/[^\\x00\\n:]*$")
  @JsonPropertyDescription("Absolute path on the host to bind-mount.")
  public String hostPath;

  @Pattern("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")
  @JsonPropertyDescription("Name of a Docker named volume (created by Docker on first use, kept on delete).")
  public String name;

  @Required
  @Pattern("^/[^\\x00\\n:]*$")
  @JsonPropertyDescription("Absolute path in the container.")
  public String mountPath;

  @JsonPropertyDescription("Mount read-only.")
  public boolean readOnly;
}
