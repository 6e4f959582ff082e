package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;

/** How systemd restarts the service when its container exits (`Restart=`, `RestartSec=`). */
public class RestartSpec {
  @Default("on-failure")
  @Pattern("^(no|on-failure|always)$")
  @JsonPropertyDescription("systemd Restart=: no, on-failure (default) or always.")
  public String policy = "on-failure";

  @Default("5")
  @Min(0)
  @Max(3600)
  @JsonPropertyDescription("Seconds to wait before a restart (RestartSec=). Defaults to 5.")
  public int delaySeconds = 5;

  @Min(0)
  @Max(86400)
  @JsonPropertyDescription("systemd StartLimitIntervalSec=: the window for startLimitBurst (0 turns the limit off).")
  public Integer startLimitIntervalSeconds;

  @Min(1)
  @Max(1000)
  @JsonPropertyDescription("systemd StartLimitBurst=: starts allowed within the window before systemd gives up.")
  public Integer startLimitBurst;
}
