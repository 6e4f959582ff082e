package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** What the last registry lookup of spec.update found. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class UpdateStatus {
  @JsonPropertyDescription("The tag looked up (spec.image).")
  public String image;

  @JsonPropertyDescription("The digest the tag of spec.image pointed at, at the last lookup that answered.")
  public String digest;

  @JsonPropertyDescription("When the registry was last asked (RFC 3339).")
  public String checkedAt;

  @JsonPropertyDescription("What the last lookup found, or why it failed, in the registry's own words.")
  public String message;

  @JsonPropertyDescription("A digest that failed on a host and was reverted (spec.rollout.autoRevert): it is not "
      + "rolled out again; hostops waits for a digest newer than it.")
  public String failedDigest;

  public UpdateStatus copy() {
    UpdateStatus c = new UpdateStatus();
    c.image = image;
    c.digest = digest;
    c.checkedAt = checkedAt;
    c.message = message;
    c.failedDigest = failedDigest;
    return c;
  }
}
