package dev.hostops.ssh;

/**
 * The link failed after the whole script was sent: the host may have run it, and may still be
 * running it (a script that arrived whole runs to its end). Not retried blindly: the next probe
 * shows what it did.
 */
public final class ScriptInterruptedException extends HostUnreachableException {
  public ScriptInterruptedException(String message) {
    super(message, null);
  }
}
