package dev.hostops.cli;

/**
 * A mistake in what the user gave the command line (an argument, a flag, a manifest file). Its
 * message is one line that says what is wrong and where; the command prints it and exits 2.
 */
public final class UsageException extends Exception {
  public UsageException(String message) {
    super(message, null, false, false);
  }
}
