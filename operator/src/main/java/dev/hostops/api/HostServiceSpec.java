package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.crd.generator.annotation.SchemaFrom;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.ValidationRule;
import io.fabric8.kubernetes.api.model.LabelSelector;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
@ValidationRule(value = "(has(self.hosts) && size(self.hosts) > 0) || has(self.hostSelector)",
    message = "spec.hosts or spec.hostSelector must name at least one host")
@ValidationRule(value = "has(self.image) != has(self.compose)", message = "set exactly one of spec.image, spec.compose")
@ValidationRule(value = "!has(self.update) || self.update.policy != 'Registry' || (has(self.image) && !self.image.contains('@'))",
    message = "spec.update: spec.image must be a tag, not a digest (image@sha256:… never moves) nor a compose project")
public class HostServiceSpec {
  /** Docker image reference: [registry[:port]/]path[:tag][@digest]. */
  public static final String IMAGE_PATTERN =
      "^[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?"
          + "(@sha256:[a-f0-9]{64})?$";
  /** spec.restartedAt: an RFC 3339 time (never a newline or anything systemd would expand: it goes into a comment). */
  public static final String RESTARTED_AT_PATTERN =
      "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,9})?(Z|[+-][0-9]{2}:[0-9]{2})$";
  /** docker run -p: [ip:][hostPort:]containerPort[/tcp|udp]. */
  public static final String PORT_PATTERN =
      "^(([0-9]{1,3}(\\.[0-9]{1,3}){3}|\\[[0-9a-fA-F:]+\\]):)?([0-9]{1,5}:)?[0-9]{1,5}(/(tcp|udp|sctp))?$";

  @Pattern(IMAGE_PATTERN)
  @JsonPropertyDescription("Docker image to run, e.g. registry.example.com/museum:latest. Pulled on every start unless "
      + "pull is Never. Exactly one of image and compose.")
  public String image;

  @JsonPropertyDescription("Run a Docker Compose project instead of one image.")
  public ComposeSpec compose;

  @JsonPropertyDescription("Secrets of type kubernetes.io/dockerconfigjson (or the older kubernetes.io/dockercfg) with "
      + "the credentials for pulling this service's images, as a Pod's imagePullSecrets. Merged with the Host's "
      + "imagePullSecrets (these first) into /root/<service>/.docker/config.json (0600), used by every pull of the "
      + "service (docker --config). A changed Secret rewrites the file without restarting the service.")
  public List<ObjectName> imagePullSecrets;

  @JsonPropertyDescription("Names of Host resources (same namespace) to run on.")
  public List<@Pattern("^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$") String> hosts;

  @JsonPropertyDescription("Run on every Host whose labels match, like a DaemonSet's node selector.")
  @SchemaFrom(type = HostSelectorSchema.class)
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
  @Pattern("^(Always|Never)$")
  @JsonPropertyDescription("Always (default): `docker pull` before every start, so a restart runs the newest image. "
      + "Never: run the image already on the host (for services updated by a separate step).")
  public String pull = "Always";

  @JsonPropertyDescription("Restart policy for the unit.")
  public RestartSpec restart;

  @JsonPropertyDescription("Config and credential files under /root/<service>/, optionally mounted into the container.")
  public List<ServiceFile> files;

  @JsonPropertyDescription("Whole Secrets or ConfigMaps as directories under /root/<service>/<name>/, one file per key "
      + "(Secrets 0600), mounted into the container at mountPath. Keys added or removed add or remove files; a change "
      + "reloads a service that has a reload command, else restarts it.")
  public List<ServiceDirectory> directories;

  @JsonPropertyDescription("Environment from Secrets or ConfigMaps, passed as env files (docker run --env-file).")
  public List<EnvSource> envFrom;

  @JsonPropertyDescription("Bind mounts and named volumes.")
  public List<Volume> volumes;

  @JsonPropertyDescription("Log file conventions and docker --log-opt.")
  public LogSpec logs;

  @Pattern("^(%H|[A-Za-z0-9]([-A-Za-z0-9.]{0,251}[A-Za-z0-9])?)$")
  @JsonPropertyDescription("Container hostname; \"%H\" means the host's own hostname (as in the runbook's units).")
  public String hostname;

  @JsonPropertyDescription("Extra /etc/hosts entries, docker run --add-host NAME:IP (IP may be host-gateway).")
  public List<@Pattern("^[A-Za-z0-9.-]+:([0-9a-fA-F.:]+|host-gateway)$") String> addHosts;

  @JsonPropertyDescription("Linux capabilities to add (docker run --cap-add), e.g. NET_ADMIN.")
  public List<@Pattern("^[A-Z_]+$") String> capAdd;

  @JsonPropertyDescription("Other docker run flags, each as --flag=value (or --flag), from an allowed list: "
      + "--memory, --cpus, --user, --workdir, --network, --ulimit, --shm-size, --tmpfs, --init, --read-only, "
      + "--stop-timeout, --stop-signal, --label, --entrypoint, --health-cmd, --health-interval, --health-retries, "
      + "--health-timeout, --health-start-period, --pids-limit, --group-add, --dns, --dns-search, --platform, "
      + "--log-driver.")
  public List<@Pattern("^--[a-z-]+(=[^\\x00\\n]*)?$") String> extraArgs;

  @JsonPropertyDescription("Reload command run inside the container (ExecReload=docker exec NAME …), e.g. "
      + "[nginx, -s, reload]. Without it, a change restarts the service.")
  public List<String> reload;

  @Pattern("^/[^\\x00\\n\\r]*$")
  @JsonPropertyDescription("Working directory inside the container for the reload command (docker exec --workdir), "
      + "e.g. /etc/caddy for `caddy reload`. An absolute path; needs spec.reload.")
  public String reloadWorkdir;

  @JsonPropertyDescription("One-off containers run before each start, e.g. a migration.")
  public List<PreStartStep> preStart;

  @JsonPropertyDescription("Other HostServices (by name) on the same host this one needs: Requires= and After=.")
  public List<@Pattern("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$") String> requires;

  @JsonPropertyDescription("Run on a calendar (a systemd timer) instead of continuously.")
  public ScheduleSpec schedule;

  @JsonPropertyDescription("How a change is rolled out over the hosts.")
  public RolloutSpec rollout;

  @Pattern(RESTARTED_AT_PATTERN)
  @JsonPropertyDescription("Set it to the current time (RFC 3339, e.g. 2026-12-07T10:00:00Z) to restart the service on "
      + "every host as a rollout, as `kubectl rollout restart` does for a Deployment: each host pulls first (the old "
      + "container serves during the download), then restarts, maxUnavailable hosts at a time, each healthy for "
      + "minReadySeconds before the next. The tag is looked up once, so every host gets the same digest. A restart "
      + "restarts even when the pull brings the digest the host already runs. `kubectl hostops restart SERVICE` sets it.")
  public String restartedAt;

  @JsonPropertyDescription("Keep a tag up to date: look its digest up in the registry and roll a new one out.")
  public UpdateSpec update;

  @JsonPropertyDescription("Stop and disable the service on every host, keeping its files (true), or run it (false).")
  public boolean suspend;

  @JsonPropertyDescription("Take over a unit file of the same name written by hand. Without it hostops refuses to "
      + "overwrite files it did not write.")
  public boolean adopt;

  @Pattern("^[A-Za-z0-9_:][A-Za-z0-9_.:-]{0,240}[.]service$")
  @JsonPropertyDescription("A hand-written unit this service replaces, e.g. museum.nginx.service (a unit whose name "
      + "cannot name a HostService; `hostops import` sets it). It is stopped before this service's unit starts (never "
      + "two containers), and disabled and removed, with its container, once this service runs. Needs spec.adopt.")
  public String replaces;

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

  public <T> List<T> orEmpty(List<T> list) {
    return list == null ? List.of() : list;
  }

  public RolloutSpec rolloutOrDefault() {
    return rollout == null ? new RolloutSpec() : rollout;
  }

  public RestartSpec restartOrDefault() {
    return restart == null ? new RestartSpec() : restart;
  }
}
