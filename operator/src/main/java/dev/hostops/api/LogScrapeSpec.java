package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class LogScrapeSpec {
  @JsonPropertyDescription("Names of Host resources (same namespace) to scrape on.")
  public List<@Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String> hosts;

  @JsonPropertyDescription("Scrape on every Host whose labels match.")
  @SchemaFrom(type = HostSelectorSchema.class)
  public LabelSelector hostSelector;

  @JsonPropertyDescription("Scrape jobs.")
  public List<LogJob> jobs;

  @JsonPropertyDescription("Short form: HostService names whose log file /root/var/logs/<name>.log is scraped as job <name>.")
  public List<@Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") String> services;

  public <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }
}
