package dev.hostops.host;

import dev.hostops.ssh.HostUnreachableException;

/**
 * Another hostops process held the host's lock for the whole wait (two shards selecting one host, an old
 * leader still finishing, {@code hostops import --from-host} beside the operator): nothing was run. The
 * message names the holder and since when.
 */
public final class HostBusyException extends HostUnreachableException {
  public HostBusyException(String message) {
    super(message, null);
  }
}
