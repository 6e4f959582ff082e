package dev.hostops.ssh;

/** The host could not be reached, authenticated, or did not answer in time. */
public class HostUnreachableException extends HostException {
  public HostUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
