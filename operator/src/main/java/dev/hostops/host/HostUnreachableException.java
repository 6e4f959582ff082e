package dev.hostops.host;

import java.io.IOException;

/** The host could not be reached, authenticated, or did not answer in time. */
public class HostUnreachableException extends IOException {
  public HostUnreachableException(String message, Throwable cause) {
    super(message, cause);
  }
}
