package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogConfigStatus {
  @JsonPropertyDescription("Path of the config file on the host.")
  public String path;

  @JsonPropertyDescription("promtail or alloy.")
  public String format;

  @JsonPropertyDescription("SHA-256 (first 16 hex digits) of the config on the host.")
  public String hash;

  @JsonPropertyDescription("Jobs in effect, as LOGSCRAPE/JOB.")
  public List<String> jobs = new ArrayList<>();

  @JsonPropertyDescription("Why the config was not changed (e.g. two LogScrapes claim one job name); empty when applied.")
  public String problem;

  @JsonPropertyDescription("The LogScrapes the problem concerns; absent when it concerns every LogScrape selecting "
      + "this host (a problem of spec.logAgent, or of writing the file).")
  public List<String> problemScrapes;

  @JsonPropertyDescription("When the agent was last told to reload (RFC 3339).")
  public String lastReload;
}
