package dev.hostops.render;

import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Quoting for systemd unit files. A command line in {@code ExecStart=} is split into words by
 * systemd itself (no shell involved), with C-style escapes inside double quotes; {@code %} starts a
 * specifier and {@code $} an environment variable, so both are doubled to stand for themselves.
 */
public final class SystemdQuoting {
  private static final Pattern PLAIN = Pattern.compile("[A-Za-z0-9_./:@=+,-]+");
  /** Stands for systemd's %H specifier (the host's name) in a command line; no user value can equal it. */
  public static final String HOST_NAME = "\0%H";

  private SystemdQuoting() {}

  /** One command-line word that systemd passes to the program exactly as given. */
  public static String word(String value) {
    if (HOST_NAME.equals(value)) {
      return "%H";
    }
    if (!value.isEmpty() && PLAIN.matcher(value).matches()) {
      return value;
    }
    StringBuilder b = new StringBuilder(value.length() + 2).append('"');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      switch (c) {
        case '\\' -> b.append("\\\\");
        case '"' -> b.append("\\\"");
        case '\n' -> b.append("\\n");
        case '\t' -> b.append("\\t");
        case '\r' -> b.append("\\r");
        case '%' -> b.append("%%");
        case '$' -> b.append("$$");
        default -> {
          if (c < 0x20 || c == 0x7f) {
            b.append(String.format("\\x%02x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"').toString();
  }

  /** A whole command line: each element one word. */
  public static String commandLine(List<String> words) {
    return words.stream().map(SystemdQuoting::word).collect(Collectors.joining(" "));
  }

  /** Free text for a single-line setting such as {@code Description=}: specifiers and newlines neutralised. */
  public static String text(String value) {
    return value.replace("%", "%%").replace("\\", "\\\\").replace("\n", " ").replace("\r", " ");
  }
}
