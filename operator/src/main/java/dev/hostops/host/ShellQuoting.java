package dev.hostops.host;

/** POSIX sh quoting: a single-quoted word never expands anything. */
public final class ShellQuoting {
  private ShellQuoting() {}

  public static String quote(String value) {
    return "'" + value.replace("'", "'\\''") + "'";
  }
}
