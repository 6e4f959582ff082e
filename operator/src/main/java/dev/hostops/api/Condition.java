package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A status condition in the shape `kubectl wait --for=condition=…` and Argo CD read. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class Condition {
  @JsonPropertyDescription("Condition type: Ready, Progressing, Degraded (services) or Ready, Reachable (hosts).")
  public String type;

  @JsonPropertyDescription("True, False or Unknown.")
  public String status;

  @JsonPropertyDescription("One CamelCase word saying why the condition has this status.")
  public String reason;

  @JsonPropertyDescription("What a person needs to know, in a sentence.")
  public String message;

  @JsonPropertyDescription("The generation of the resource this condition was computed from.")
  public Long observedGeneration;

  @JsonPropertyDescription("When status last changed (RFC 3339).")
  public String lastTransitionTime;

  public Condition() {}

  public Condition(String type, boolean status, String reason, String message) {
    this.type = type;
    this.status = status ? "True" : "False";
    this.reason = reason;
    this.message = message;
  }
}
