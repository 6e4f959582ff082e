package dev.hostops.ssh;

import java.util.Objects;

/**
 * Everything needed to reach one host over SSH. The private key is a secret: it is kept out of
 * {@link #toString()} so it cannot end up in a log line or an exception message.
 *
 * @param address    DNS name or IP address (through a bastion: as the bastion resolves it)
 * @param port       SSH port
 * @param user       login user: root, or a user with passwordless sudo
 * @param privateKey OpenSSH private key (PEM text)
 * @param knownHosts pinned host keys, OpenSSH known_hosts lines
 * @param proxyJump  the bastion to connect through, or null for a direct connection
 */
public record SshTarget(String address, int port, String user, String privateKey, String knownHosts,
                        SshTarget proxyJump) {

  public SshTarget {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(knownHosts, "knownHosts");
    if (proxyJump != null && proxyJump.proxyJump() != null) {
      throw new IllegalArgumentException("one bastion at most");
    }
  }

  /** A host reached directly. */
  public SshTarget(String address, int port, String user, String privateKey, String knownHosts) {
    this(address, port, user, privateKey, knownHosts, null);
  }

  /** The same host reached through the given bastion. */
  public SshTarget via(SshTarget bastion) {
    return new SshTarget(address, port, user, privateKey, knownHosts, bastion);
  }

  /** Root runs commands directly; any other user goes through {@code sudo -n}. */
  public boolean needsSudo() {
    return !"root".equals(user);
  }

  /** user@address:port, for logs. */
  public String display() {
    return user + "@" + address + ":" + port;
  }

  /** address:port, as a bastion is named in status. */
  public String endpoint() {
    return address + ":" + port;
  }

  @Override
  public String toString() {
    return "SshTarget[" + display() + (proxyJump == null ? "" : " via " + proxyJump.display()) + "]";
  }
}
