package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import io.fabric8.generator.annotation.Default;
import io.fabric8.generator.annotation.Max;
import io.fabric8.generator.annotation.Min;
import io.fabric8.generator.annotation.Pattern;
import io.fabric8.generator.annotation.Required;
import io.fabric8.generator.annotation.Size;

/**
 * The bastion (jump host) a Host is reached through, as OpenSSH's ProxyJump: hostops logs in to it and
 * asks it to open a TCP connection to the Host's address (a direct-tcpip channel), then speaks SSH to the
 * Host through that. The same fields, defaults and checks as the Host's own; no command runs on the
 * bastion, and no agent is forwarded.
 */
public class ProxyJumpSpec {
  @Required
  @Pattern(HostSpec.ADDRESS_PATTERN)
  @Size(min = 1, max = 253)
  @JsonPropertyDescription("DNS name, IPv4 address or IPv6 address (without brackets) of the bastion, as hostops reaches "
      + "it. The Host's own spec.address is then resolved and connected to by the bastion.")
  public String address;

  @Default("22")
  @Min(1)
  @Max(65535)
  @JsonPropertyDescription("The bastion's SSH port. Defaults to 22.")
  public int port = 22;

  @Default("root")
  @Pattern(HostSpec.USER_PATTERN)
  @JsonPropertyDescription("Login user on the bastion. It needs no sudo: hostops runs nothing there, it only asks for a "
      + "TCP connection to the Host (sshd's AllowTcpForwarding).")
  public String user = "root";

  @Required
  @JsonPropertyDescription("Secret key holding the OpenSSH private key used to log in to the bastion (may be the Host's "
      + "own Secret).")
  public SecretKeyRef sshKeySecretRef;

  @Required
  @Pattern(HostSpec.KNOWN_HOSTS_PATTERN)
  @Size(min = 1, max = 65536)
  @JsonPropertyDescription("The bastion's pinned host keys as OpenSSH known_hosts lines (`ssh-keyscan -p PORT ADDRESS`). "
      + "hostops refuses to use a bastion whose key is not listed here; it never skips this check.")
  public String knownHosts;
}
