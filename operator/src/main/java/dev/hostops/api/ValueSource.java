package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A key of a Secret or ConfigMap in the same namespace. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ValueSource {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("Name of the Secret or ConfigMap, in the same namespace.")
  public String name;

  @Pattern("^[-._a-zA-Z0-9]+$")
  @JsonPropertyDescription("Key inside it.")
  public String key;

  public ValueSource() {}

  public ValueSource(String name, String key) {
    this.name = name;
    this.key = key;
  }
}
