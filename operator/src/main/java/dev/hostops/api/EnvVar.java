package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** One environment variable passed to the container with `docker run -e`. */
public class EnvVar {
  @Required
  @Pattern("^[A-Za-z_][A-Za-z0-9_]*$")
  @JsonPropertyDescription("Variable name.")
  public String name;

  @JsonPropertyDescription("Value, delivered to the container exactly as written (never expanded by systemd or a shell). "
      + "Not for secrets: the unit file is world-readable on the host.")
  public String value = "";

  public EnvVar() {}

  public EnvVar(String name, String value) {
    this.name = name;
    this.value = value;
  }
}
