package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;

public class HostSpec {
  @Required
  @Pattern("^[A-Za-z0-9]([-A-Za-z0-9.:]*[A-Za-z0-9])?$")
  @JsonPropertyDescription("DNS name or IP address that hostops connects to over SSH.")
  public String address;

  @Default("22")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("SSH port. Defaults to 22.")
  public int port = 22;

  @Default("root")
  @Pattern("^[a-z_][a-z0-9_-]{0,31}$")
  @JsonPropertyDescription("Login user: root, or a user with passwordless sudo (commands then run through `sudo -n`).")
  public String user = "root";

  @Required
  @JsonPropertyDescription("Secret key holding the OpenSSH private key used to log in.")
  public SecretKeyRef sshKeySecretRef;

  @Required
  @JsonPropertyDescription("Pinned host keys as OpenSSH known_hosts lines (`ssh-keyscan -p PORT ADDRESS`). hostops refuses "
      + "to talk to a host whose key is not listed here; it never skips this check.")
  public String knownHosts;

  @JsonPropertyDescription("The host's log agent (promtail or Alloy) whose config hostops writes from LogScrapes.")
  public LogAgentSpec logAgent;
}
