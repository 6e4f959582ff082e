package dev.hostops.host;

/** The host presented a key that is not among the pinned ones: we refuse to talk to it. */
public final class HostKeyMismatchException extends HostUnreachableException {
  private final String presentedFingerprint;

  public HostKeyMismatchException(String message, String presentedFingerprint, Throwable cause) {
    super(message, cause);
    this.presentedFingerprint = presentedFingerprint;
  }

  /** SHA256 fingerprint of the key the host presented, or null when unknown. */
  public String presentedFingerprint() {
    return presentedFingerprint;
  }
}
