package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;

/** How a change reaches a service's hosts: a few at a time, each healthy before the next. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RolloutSpec {
  @Min(1)
  @JsonPropertyDescription("Hosts changed at the same time (default 1).")
  public Integer maxUnavailable;

  @Min(0)
  @Max(3600)
  @JsonPropertyDescription("Seconds a changed host's container must run (or report healthy, when the image has a "
      + "health check) before the next host is changed (default 5).")
  public Integer minReadySeconds;

  @JsonPropertyDescription("When the new image fails on a changed host within minReadySeconds (its container exits, "
      + "or Docker reports it unhealthy), put that host back on the image it ran before, by digest and without a "
      + "registry, and halt the rollout: hosts not yet changed keep the previous version. status.rollout and an Event "
      + "say which image failed where. A new spec starts a new rollout (default false).")
  public Boolean autoRevert;

  public int maxUnavailableOrDefault() {
    return maxUnavailable == null ? 1 : maxUnavailable;
  }

  public boolean autoRevertOrDefault() {
    return Boolean.TRUE.equals(autoRevert);
  }

  public int minReadySecondsOrDefault() {
    return minReadySeconds == null ? 5 : minReadySeconds;
  }
}
