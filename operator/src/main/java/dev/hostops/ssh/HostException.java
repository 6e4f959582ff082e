package dev.hostops.ssh;

import java.io.IOException;

/** Something went wrong with work on a host. */
public class HostException extends IOException {
  public HostException(String message) {
    super(message);
  }

  public HostException(String message, Throwable cause) {
    super(message, cause);
  }
}
