package dev.hostops.unit;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** systemd time spans ({@code RestartSec=}, {@code RandomizedDelaySec=}, …) read as systemd reads them. */
public final class TimeSpan {
  private TimeSpan() {}

  /** A systemd time span in whole seconds (≤ one day), or null: "90", "90s", "5min", "1h 30min", "2m". */
  public static Integer seconds(String span) {
    Matcher m = Pattern.compile("\\s*([0-9]+)\\s*(seconds|second|sec|s|minutes|minute|min|m|hours|hour|hr|h|days|day|d|)(?=\\s|[0-9]|$)")
        .matcher(span.strip());
    long total = 0;
    int at = 0;
    String s = span.strip();
    if (s.isEmpty()) {
      return null;
    }
    while (at < s.length()) {
      if (!m.find(at) || m.start() != at) {
        return null;
      }
      long n = Long.parseLong(m.group(1));
      String unit = m.group(2);
      total += n * switch (unit) {
        case "", "s", "sec", "second", "seconds" -> 1;
        case "m", "min", "minute", "minutes" -> 60;
        case "h", "hr", "hour", "hours" -> 3600;
        default -> 86400;
      };
      at = m.end();
    }
    return total <= 86400 ? (int) total : null;
  }
}
