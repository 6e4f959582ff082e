package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.hosts) && size(self.hosts) > 0) || has(self.hostSelector)",
    message = "spec.hosts or spec.hostSelector must name at least one host")
public class HostServiceSpec {
  /** Docker image reference: [registry[:port]/]path[:tag][@digest]. */
  public static final String IMAGE_PATTERN =
      "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
          + "(@sha256:[a-f0-9]{64})?$";
  /** docker run -p: [ip:][hostPort:]containerPort[/tcp|udp]. */
  public static final String PORT_PATTERN =
      "^(([0-9]{1,3}(\\.[0-9]{1,3}){3}|\\[[0-9a-fA-F:]+\\]):)?([0-9]{1,5}:)?[0-9]{1,5}(/(tcp|udp|sctp))?$";

  @Required
  @Pattern(IMAGE_PATTERN)
  @JsonPropertyDescription("Docker image to run, e.g. registry.example.com/museum:latest. Pulled on every start unless "
      + "pull is Never.")
  public String image;

  @JsonPropertyDescription("Names of Host resources (same namespace) to run on.")
  public List<@Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String> hosts;

  @JsonPropertyDescription("Run on every Host whose labels match, like a DaemonSet's node selector.")
  public LabelSelector hostSelector;

  @JsonPropertyDescription("Published ports, as docker run -p takes them: [ip:][hostPort:]containerPort[/udp].")
  public List<@Pattern(PORT_PATTERN) String> ports;

  @JsonPropertyDescription("Environment variables for the container (docker run -e).")
  public List<EnvVar> env;

  @JsonPropertyDescription("Arguments after the image: the container's command or its arguments.")
  public List<String> args;

  @Default("true")
  @JsonPropertyDescription("Start the service when the host boots ([Install] WantedBy=multi-user.target + enable). "
      + "Defaults to true.")
  public boolean startOnBoot = true;

  @Default("Always")
  @io.fabric8.generator.annotation.Pattern("^(Always|Never)$")
  @JsonPropertyDescription("Always (default): `docker pull` before every start, so a restart runs the newest image. "
      + "Never: run the image already on the host (for services updated by a separate step).")
  public String pull = "Always";

  @JsonPropertyDescription("Restart policy for the unit.")
  public RestartSpec restart;

  public List<String> hostsOrEmpty() {
    return hosts == null ? List.of() : hosts;
  }

  public List<String> portsOrEmpty() {
    return ports == null ? List.of() : ports;
  }

  public List<EnvVar> envOrEmpty() {
    return env == null ? List.of() : env;
  }

  public List<String> argsOrEmpty() {
    return args == null ? List.of() : args;
  }

  public RestartSpec restartOrDefault() {
    return restart == null ? new RestartSpec() : restart;
  }
}
