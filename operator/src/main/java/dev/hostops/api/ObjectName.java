package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** A Secret or ConfigMap named whole, in the resource's namespace (the shape of a Pod's imagePullSecrets). */
public class ObjectName {
  @Required
  @Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$")
  @JsonPropertyDescription("Name of the Secret or ConfigMap, in the same namespace.")
  public String name;

  public ObjectName() {}

  public ObjectName(String name) {
    this.name = name;
  }
}
