package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

/** Run the service on a calendar (a systemd .timer) instead of keeping it running. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class ScheduleSpec {
  @Required
  @Pattern("^[A-Za-z0-9 *:,./~_+-]{1,128}$")
  @JsonPropertyDescription("systemd OnCalendar= expression, e.g. daily, hourly, Mon *-*-* 03:00:00, *:0/5.")
  public String onCalendar;

  @JsonPropertyDescription("Run at the next boot when a run was missed while the host was off (Persistent=, default true).")
  public Boolean persistent;

  @Min(0)
  @Max(86400)
  @JsonPropertyDescription("Spread runs over this many seconds (RandomizedDelaySec=).")
  public Integer randomizedDelaySeconds;
}
