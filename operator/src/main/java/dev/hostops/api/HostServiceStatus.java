package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostServiceStatus {
  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Hosts where the service runs as specified, over hosts targeted, e.g. 2/2.")
  public String readyHosts;

  @JsonPropertyDescription("Ready, Progressing and Degraded conditions.")
  public List<Condition> conditions = new ArrayList<>();

  @JsonPropertyDescription("The rollout of the current spec: its phase, and the image to roll back to.")
  public RolloutStatus rollout;

  @JsonPropertyDescription("spec.update: the digest the watched tag points at, when it was looked up, and a digest "
      + "that failed.")
  public UpdateStatus update;

  @JsonPropertyDescription("What hostops saw on each target host after its last apply.")
  public List<ServiceOnHost> hosts = new ArrayList<>();
}
