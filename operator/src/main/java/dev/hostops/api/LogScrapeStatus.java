package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogScrapeStatus {
  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Hosts whose log agent config carries this LogScrape's jobs, over hosts selected, e.g. 2/2.")
  public String readyHosts;

  @JsonPropertyDescription("Hosts where the jobs are in effect.")
  public List<String> hosts = new ArrayList<>();

  @JsonPropertyDescription("Ready and Degraded conditions.")
  public List<Condition> conditions = new ArrayList<>();
}
