package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** The service as seen on one host. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ServiceOnHost {
  @JsonPropertyDescription("Name of the Host resource.")
  public String host;

  @JsonPropertyDescription("Summary: Running, Scheduled, Starting, Stopped, Suspended, Failed, Waiting (rollout), Reverted "
      + "(spec.rollout.autoRevert put it back on its previous image), Unreachable, Refused, Error, Pending or Removing "
      + "(no longer targeted; removal pending).")
  public String state;

  @JsonPropertyDescription("systemd ActiveState/SubState of the unit, e.g. active/running.")
  public String unit;

  @JsonPropertyDescription("Docker container state, e.g. running, exited, or absent.")
  public String container;

  @JsonPropertyDescription("Image the container runs (or last ran), by digest (repo@sha256:…) when the registry gave one, "
      + "else image ID.")
  public String imageDigest;

  @JsonPropertyDescription("The image this host ran before imageDigest. hostops keeps it on the host (tagged "
      + "hostops.local/previous/NAME:previous), so running it again needs no registry.")
  public String previousImageDigest;

  @JsonPropertyDescription("Set when spec.rollout.autoRevert put this host back on the image it ran before: the "
      + "image it is held on until the spec changes.")
  public String revertedTo;

  @JsonPropertyDescription("Hash of the files hostops applied for this service on the host.")
  public String appliedHash;

  @JsonPropertyDescription("When the container last started (RFC 3339).")
  public String startedAt;

  @JsonPropertyDescription("Scheduled services: when the job last ran (systemd's timestamp).")
  public String lastRun;

  @JsonPropertyDescription("Scheduled services: result of the last run, e.g. success or exit-code 3.")
  public String lastResult;

  @JsonPropertyDescription("Scheduled services: when the timer fires next.")
  public String nextRun;

  @JsonPropertyDescription("Docker health status when the image has a health check (starting, healthy, unhealthy).")
  public String health;

  @JsonPropertyDescription("What went wrong, or what hostops last did.")
  public String message;

  @JsonPropertyDescription("Why the host is in fault, for machines: LinkLost (no answer, or the link broke), "
      + "InvalidHost (the Host resource cannot be used to reach it), HostSettings (the Host's own settings keep the "
      + "service off it) or Failed (the change failed on the host); absent when it is not in fault.")
  public String reason;
}
