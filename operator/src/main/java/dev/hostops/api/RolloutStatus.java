package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Where the rollout of the current spec stands. Changes only when its phase does. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class RolloutStatus {
  public static final String PROGRESSING = "Progressing";
  public static final String COMPLETE = "Complete";
  public static final String HALTED = "Halted";
  public static final String REVERTED = "Reverted";

  @JsonPropertyDescription("The metadata.generation this rollout brings to the hosts.")
  public Long generation;

  @JsonPropertyDescription("The spec.restartedAt this rollout brings (a restart restarts every host, whatever its digest).")
  public String restartedAt;

  @JsonPropertyDescription("This rollout restarts every host because spec.restartedAt moved, even those whose image "
      + "does not change.")
  public Boolean restart;

  @JsonPropertyDescription("The image of this rollout: spec.image, pinned by digest (tag@sha256:…) when a restart or "
      + "spec.update looked the tag up, so every host runs the same digest.")
  public String image;

  @JsonPropertyDescription("The image of the last rollout that completed.")
  public String fromImage;

  @JsonPropertyDescription("Progressing (hosts are being changed), Complete (every host ran it for minReadySeconds), "
      + "Halted (a changed host fails; nothing else changes) or Reverted (autoRevert put the failing host back).")
  public String phase;

  @JsonPropertyDescription("Which image failed where, and what hostops did.")
  public String message;

  @JsonPropertyDescription("The image every host ran before the current one, by digest: setting spec.image to it rolls "
      + "back, with no registry needed.")
  public String previousImage;

  public RolloutStatus() {}

  public RolloutStatus(Long generation, String image, String fromImage, String phase) {
    this.generation = generation;
    this.image = image;
    this.fromImage = fromImage;
    this.phase = phase;
  }
}
