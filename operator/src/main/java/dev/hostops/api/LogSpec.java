package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import java.util.List;

/** The runbook's log convention: /root/var/logs on the host is /var/logs in the container. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogSpec {
  @JsonPropertyDescription("Mount /root/var/logs at /var/logs in the container, so the service can write <name>.log there.")
  public boolean mount;

  @JsonPropertyDescription("Append the container's stdout and stderr to /root/var/logs/<service>.log (systemd "
      + "StandardOutput=append:), as the runbook's backup job does.")
  public boolean stdoutToFile;

  @JsonPropertyDescription("docker run --log-opt values, e.g. max-size=10m.")
  public List<@Pattern("^[a-z0-9_.-]+=[^\\x00\\n]*$") String> options;
}
