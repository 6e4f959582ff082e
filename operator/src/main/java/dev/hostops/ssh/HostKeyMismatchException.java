package dev.hostops.ssh;

/**
 * The host presented a key or certificate the pinned knownHosts do not vouch for: we refuse to talk to it.
 * The message says why in a person's words (not pinned, revoked, or which check a certificate failed).
 */
public final class HostKeyMismatchException extends HostUnreachableException {
  private final String presentedFingerprint;
  private final String reason;

  public HostKeyMismatchException(String message, String presentedFingerprint, Throwable cause) {
    this(message, presentedFingerprint, "HostKeyMismatch");
  }

  public HostKeyMismatchException(String message, String presentedFingerprint, String reason) {
    super(message, null);
    this.presentedFingerprint = presentedFingerprint;
    this.reason = reason == null ? "HostKeyMismatch" : reason;
  }

  /** SHA256 fingerprint of the key the host presented (a certificate's own key), or null when unknown. */
  public String presentedFingerprint() {
    return presentedFingerprint;
  }

  /** The condition reason: HostKeyMismatch, HostKeyRevoked or HostCertificateRefused. */
  public String reason() {
    return reason;
  }
}
