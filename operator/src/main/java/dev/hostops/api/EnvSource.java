package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.ValidationRule;

/**
 * Environment from a Secret or ConfigMap, written as an env file under /root/SERVICE/ (0600) and
 * passed with docker run --env-file, so values never appear in the world-readable unit file.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "has(self.secretRef) != has(self.configMapRef)", message = "set exactly one of secretRef, configMapRef")
public class EnvSource {
  @JsonPropertyDescription("Every key of this Secret becomes a variable (or, with key, that key holds a KEY=VALUE env file).")
  public ValueSource secretRef;

  @JsonPropertyDescription("Every key of this ConfigMap becomes a variable (or, with key, that key holds an env file).")
  public ValueSource configMapRef;
}
