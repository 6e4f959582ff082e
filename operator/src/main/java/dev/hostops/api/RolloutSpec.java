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

  public int maxUnavailableOrDefault() {
    return maxUnavailable == null ? 1 : maxUnavailable;
  }

  public int minReadySecondsOrDefault() {
    return minReadySeconds == null ? 5 : minReadySeconds;
  }
}
