package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * A whole Secret or ConfigMap as a directory /root/SERVICE/NAME/ on the host, one file per key,
 * mounted into the container: an nginx conf.d, a folder of TLS certificates, a Caddy config folder.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.secretRef) != has(self.configMapRef)",
    message = "set exactly one of secretRef, configMapRef")
public class ServiceDirectory {
  @Required
  @Pattern("^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
  @JsonPropertyDescription("Directory name under /root/<service>/ on the host. Letters, digits, '.', '_', '-'; no "
      + "paths; not the name of a file in spec.files.")
  public String name;

  @Pattern("^/[^\\x00\\n:]*$")
  @JsonPropertyDescription("Where to mount the directory in the container (absolute path), e.g. /etc/nginx/conf.d. "
      + "Not mounted when empty.")
  public String mountPath;

  @JsonPropertyDescription("Mount read-only (default true).")
  public Boolean readOnly;

  @JsonPropertyDescription("Every key of this Secret becomes a file of the directory (mode 0600, directory 0700). "
      + "A key added or removed adds or removes its file.")
  public ObjectName secretRef;

  @JsonPropertyDescription("Every key of this ConfigMap (data and binaryData) becomes a file of the directory "
      + "(mode 0644, directory 0755). A key added or removed adds or removes its file.")
  public ObjectName configMapRef;

  public boolean readOnlyOrDefault() {
    return readOnly == null || readOnly;
  }
}
