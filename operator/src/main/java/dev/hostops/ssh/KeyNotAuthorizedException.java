package dev.hostops.ssh;

/** sshd refuses hostops' login key (and, during a rotation, the one before it too). */
public final class KeyNotAuthorizedException extends HostUnreachableException {
  private final String fingerprint;

  public KeyNotAuthorizedException(String message, String fingerprint) {
    super(message, null);
    this.fingerprint = fingerprint;
  }

  /** SHA256:… of the login key that was refused. */
  public String fingerprint() {
    return fingerprint;
  }
}
