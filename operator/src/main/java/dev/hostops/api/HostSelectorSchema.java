package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;

/**
 * The schema (and descriptions) of a hostSelector in the CRDs: Kubernetes' label selector, whose Java model
 * (fabric8's LabelSelector, which hostops reads) carries no descriptions. Only the CRD generator uses it.
 */
final class HostSelectorSchema {
  @JsonPropertyDescription("Hosts whose metadata.labels hold every one of these key/value pairs.")
  public Map<String, String> matchLabels;

  @JsonPropertyDescription("Requirements on Host labels, all of which must hold.")
  public List<Requirement> matchExpressions;

  private HostSelectorSchema() {}

  /** One requirement on a label, as in a Deployment's selector. */
  static final class Requirement {
    @JsonPropertyDescription("The label's key.")
    public String key;

    @JsonPropertyDescription("In, NotIn, Exists or DoesNotExist.")
    public String operator;

    @JsonPropertyDescription("The values for In and NotIn (at least one); empty for Exists and DoesNotExist.")
    public List<String> values;

    private Requirement() {}
  }
}
