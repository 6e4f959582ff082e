package dev.hostops.unit;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A systemd unit file read the way systemd reads it: {@code [Section]} headers, {@code Key=Value}
 * lines in order, comments starting with {@code #} or {@code ;}, a trailing backslash joining the
 * next line (comment lines inside a continuation are skipped). Values are kept unparsed.
 */
public record UnitFile(List<Entry> entries) {
  /** One assignment, with the section it is in and its line number (for messages). */
  public record Entry(String section, String key, String value, int line) {}

  public static UnitFile parse(String text) {
    List<Entry> entries = new ArrayList<>();
    String section = "";
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      int start = i;
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
        continue;
      }
      if (line.startsWith("[") && line.endsWith("]")) {
        section = line.substring(1, line.length() - 1);
        continue;
      }
      StringBuilder joined = new StringBuilder();
      while (line.endsWith("\\") && i + 1 < lines.length) {
        joined.append(line, 0, line.length() - 1).append(' ');
        String next;
        do {
          next = lines[++i].strip();
        } while ((next.startsWith("#") || next.startsWith(";")) && i + 1 < lines.length);
        line = next;
      }
      joined.append(line.endsWith("\\") ? line.substring(0, line.length() - 1) : line);
      String whole = joined.toString();
      int eq = whole.indexOf('=');
      if (eq <= 0) {
        entries.add(new Entry(section, whole.strip(), null, start + 1));
        continue;
      }
      entries.add(new Entry(section, whole.substring(0, eq).strip(), whole.substring(eq + 1).strip(), start + 1));
    }
    return new UnitFile(List.copyOf(entries));
  }

  /** Every value of KEY in SECTION, in order; an empty assignment clears the ones before it, as systemd does. */
  public List<String> values(String section, String key) {
    List<String> out = new ArrayList<>();
    for (Entry e : entries) {
      if (e.section().equals(section) && e.key().equals(key) && e.value() != null) {
        if (e.value().isEmpty()) {
          out.clear();
        } else {
          out.add(e.value());
        }
      }
    }
    return out;
  }

  /** The last value of KEY in SECTION (later assignments win for single-valued settings). */
  public Optional<String> last(String section, String key) {
    List<String> all = values(section, key);
    return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
  }

  /** Words of a list setting such as {@code Requires=a.service b.service}, all lines together. */
  public List<String> words(String section, String key) {
    List<String> out = new ArrayList<>();
    values(section, key).forEach(v -> out.addAll(List.of(v.strip().split("\\s+"))));
    return out;
  }
}
