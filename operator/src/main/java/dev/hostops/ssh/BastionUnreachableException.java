package dev.hostops.ssh;

/**
 * The bastion a host is reached through could not be used: down, refusing the login, presenting a key
 * that is not pinned, or not answering. The host itself was never reached, so status names the bastion.
 */
public final class BastionUnreachableException extends HostUnreachableException {
  private final String presentedFingerprint;

  public BastionUnreachableException(String message, String presentedFingerprint) {
    super(message, null);
    this.presentedFingerprint = presentedFingerprint;
  }

  /** SHA256 fingerprint of the key the bastion presented when it was not among the pinned ones, else null. */
  public String presentedFingerprint() {
    return presentedFingerprint;
  }

  /** The condition reason: a person must see at once that it is the bastion, and whether its key changed. */
  public String reason() {
    return presentedFingerprint != null ? "BastionHostKeyMismatch" : "BastionUnreachable";
  }
}
