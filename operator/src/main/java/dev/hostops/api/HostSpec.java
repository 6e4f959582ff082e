package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;
import java.util.List;

public class HostSpec {
  /** A DNS name, an IPv4 address, or an IPv6 address without brackets; never starts with '-'. */
  public static final String ADDRESS_PATTERN = "^([A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?"
      + "(\\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f.]*:[0-9A-Fa-f:.]*)$";
  /** A POSIX login name as useradd accepts it by default; never starts with '-'. */
  public static final String USER_PATTERN = "^[a-z_][a-z0-9_-]{0,31}$";
  /** known_hosts text: printable characters, tabs and line breaks only. */
  public static final String KNOWN_HOSTS_PATTERN = "^[^\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f]*$";

  @Required
  @Pattern(ADDRESS_PATTERN)
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("DNS name, IPv4 address or IPv6 address (without brackets) that hostops connects to over SSH.")
  public String address;

  @Default("22")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("SSH port. Defaults to 22.")
  public int port = 22;

  @Default("root")
  @Pattern(USER_PATTERN)
  @JsonPropertyDescription("Login user: root, or a user with passwordless sudo (commands then run through `sudo -n`).")
  public String user = "root";

  @Required
  @JsonPropertyDescription("Secret key holding the OpenSSH private key used to log in.")
  public SecretKeyRef sshKeySecretRef;

  @Required
  @Pattern(KNOWN_HOSTS_PATTERN)
  @Size(min = 1, max = 65536)
  @JsonPropertyDescription("Pinned host keys as OpenSSH known_hosts lines (`ssh-keyscan -p PORT ADDRESS`). hostops refuses "
      + "to talk to a host whose key is not listed here; it never skips this check.")
  public String knownHosts;

  @JsonPropertyDescription("A bastion (jump host) to reach the host through, as OpenSSH's ProxyJump; spec.address is "
      + "then the host's address as the bastion resolves it, and spec.knownHosts pins the key for that name.")
  public ProxyJumpSpec proxyJump;

  @JsonPropertyDescription("Default image pull Secrets (kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg) for "
      + "every HostService that runs on this host, after the service's own spec.imagePullSecrets.")
  public List<ObjectName> imagePullSecrets;

  @JsonPropertyDescription("The host's log agent (promtail or Alloy) whose config hostops writes from LogScrapes.")
  public LogAgentSpec logAgent;
}
