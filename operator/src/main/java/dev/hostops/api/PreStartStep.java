package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

/**
 * A one-off container run before each start (ExecStartPre), e.g. a database migration. It gets the
 * service's env, env files, files and volumes; the service does not start when it fails.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class PreStartStep {
  @Pattern(HostServiceSpec.IMAGE_PATTERN)
  @JsonPropertyDescription("Image to run; defaults to the service's image.")
  public String image;

  @Required
  @Size(min = 1)
  @JsonPropertyDescription("Command and arguments run in the container.")
  public List<String> args;
}
