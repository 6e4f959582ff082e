package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** Another hostops process that runs jobs on a host between this one's (the Conflict condition's subject). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class OtherProcessStatus {
  @JsonPropertyDescription("The other process, as the host's lock names its holder (host name:process id).")
  public String holder;

  @JsonPropertyDescription("When it was first seen between this process's jobs (RFC 3339).")
  public String since;

  public OtherProcessStatus() {}

  public OtherProcessStatus(String holder, String since) {
    this.holder = holder;
    this.since = since;
  }
}
