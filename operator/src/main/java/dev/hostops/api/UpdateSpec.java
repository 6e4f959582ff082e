package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import java.time.Duration;

/**
 * A tag that updates itself (Podman's auto-update, fleet-wide): hostops looks the tag's digest up in the
 * registry every interval and rolls a new digest out like a spec change, pinned by digest.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "!has(self.interval) || duration(self.interval) >= duration('1m')",
    message = "spec.update.interval must be at least 1m: a registry is asked once per image per interval")
public class UpdateSpec {
  public static final String REGISTRY = "Registry";

  @Default("Registry")
  @Pattern("^(Registry|None)$")
  @JsonPropertyDescription("Registry: look the tag of spec.image up in its registry every interval, and roll a new "
      + "digest out to every host (the same digest everywhere, even if the tag moves again mid-rollout). None: off.")
  public String policy = REGISTRY;

  @Pattern("^[0-9]{1,5}(h|m|s)([0-9]{1,5}(m|s))?([0-9]{1,5}s)?$")
  @JsonPropertyDescription("How often the registry is asked, e.g. 5m or 1h30m (default 5m, at least 1m). One "
      + "request per image and credentials per interval, however many services and hosts use it.")
  public String interval;

  @Default("Operator")
  @Pattern("^(Operator|Host)$")
  @JsonPropertyDescription("Where the lookup runs. Operator (default): the operator asks the registry, with the "
      + "service's imagePullSecrets. Host: the first target host pulls the tag and reports its digest, for a "
      + "registry only the hosts can reach.")
  public String lookup = "Operator";

  public boolean watches() {
    return REGISTRY.equals(policy);
  }

  public boolean onHost() {
    return "Host".equals(lookup);
  }

  public Duration intervalOrDefault() {
    if (interval == null || interval.isEmpty()) {
      return Duration.ofMinutes(5);
    }
    var m = java.util.regex.Pattern.compile("([0-9]+)([hms])").matcher(interval);
    Duration d = Duration.ZERO;
    while (m.find()) {
      long n = Long.parseLong(m.group(1));
      d = d.plus(switch (m.group(2)) {
        case "h" -> Duration.ofHours(n);
        case "m" -> Duration.ofMinutes(n);
        default -> Duration.ofSeconds(n);
      });
    }
    return d.compareTo(Duration.ofMinutes(1)) < 0 ? Duration.ofMinutes(1) : d;
  }
}
