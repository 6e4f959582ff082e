package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.ArrayList;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public class HostStatus {
  @JsonPropertyDescription("The metadata.generation this status describes.")
  public Long observedGeneration;

  @JsonPropertyDescription("Whether the last probe reached and authenticated to the host.")
  public Boolean reachable;

  @JsonPropertyDescription("Why the host is not reachable, or a summary when it is.")
  public String message;

  @JsonPropertyDescription("SHA256 fingerprint of the host key seen at the last connection (or refused, on mismatch).")
  public String hostKeyFingerprint;

  @JsonPropertyDescription("Operating system (PRETTY_NAME of /etc/os-release).")
  public String os;

  @JsonPropertyDescription("Kernel release (uname -r).")
  public String kernel;

  @JsonPropertyDescription("Docker engine version.")
  public String dockerVersion;

  @JsonPropertyDescription("systemd version.")
  public String systemdVersion;

  @JsonPropertyDescription("How Docker Compose is run on the host (docker compose or docker-compose), if at all.")
  public String composeCommand;

  @JsonPropertyDescription("How many hostops services are installed on the host.")
  public Integer services;

  @JsonPropertyDescription("hostops' login key on the host: fingerprint in use, since when, the Secret holding it."
      + " A new key in spec.sshKeySecretRef is rotated in: added to authorized_keys, proven, then the old one removed.")
  public LoginKeyStatus loginKey;

  @JsonPropertyDescription("The log agent config hostops wrote from LogScrapes, when any selects the host.")
  public LogConfigStatus logConfig;

  @JsonPropertyDescription("Another hostops process seen running jobs on this host between this one's, while the"
      + " Conflict condition is True: two releases or shards manage the host.")
  public OtherProcessStatus otherProcess;

  @JsonPropertyDescription("Ready (reachable and usable), Reachable, and Conflict (another hostops process runs jobs on this host) conditions.")
  public List<Condition> conditions = new ArrayList<>();
}
