package dev.hostops.host;

import java.util.Objects;

/**
 * Everything needed to reach one host over SSH. The private key is a secret: it is kept out of
 * {@link #toString()} so it cannot end up in a log line or an exception message.
 *
 * @param address    DNS name or IP address
 * @param port       SSH port
 * @param user       login user: root, or a user with passwordless sudo
 * @param privateKey OpenSSH private key (PEM text)
 * @param knownHosts pinned host keys, OpenSSH known_hosts lines
 */
public record SshTarget(String address, int port, String user, String privateKey, String knownHosts) {

  public SshTarget {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(privateKey, "privateKey");
    Objects.requireNonNull(knownHosts, "knownHosts");
  }

  /** Root runs commands directly; any other user goes through {@code sudo -n}. */
  public boolean needsSudo() {
    return !"root".equals(user);
  }

  /** user@address:port, for logs. */
  public String display() {
    return user + "@" + address + ":" + port;
  }

  @Override
  public String toString() {
    return "SshTarget[" + display() + "]";
  }
}
