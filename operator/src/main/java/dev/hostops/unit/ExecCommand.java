package dev.hostops.unit;

import dev.hostops.render.SystemdQuoting;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One {@code Exec*=} command line as systemd runs it: the prefixes ({@code -} ignore failure,
 * {@code @ + ! :}), words split on whitespace with double or single quotes and C escapes, the
 * specifiers {@code %%}, {@code %n}, {@code %N}, {@code %p}, {@code %H} resolved ({@code %H} stays
 * as {@link SystemdQuoting#HOST_NAME}, the host's name, which only the host knows) and
 * {@code $VAR}/{@code ${VAR}} replaced from the unit's {@code Environment=}. What cannot be resolved
 * here (other specifiers, variables from elsewhere) is listed in {@link #unresolved}.
 *
 * @param ignoreFailure the {@code -} prefix
 * @param words         the argv systemd would pass, the executable first
 * @param unresolved    what this reading could not resolve, for the user to check
 */
public record ExecCommand(boolean ignoreFailure, List<String> words, List<String> unresolved) {

  public static ExecCommand parse(String value, String unitName, Map<String, String> environment) {
    String v = value.strip();
    boolean ignore = false;
    List<String> unresolved = new ArrayList<>();
    while (!v.isEmpty() && "-@+!:|".indexOf(v.charAt(0)) >= 0) {
      char p = v.charAt(0);
      if (p == '-') {
        ignore = true;
      } else {
        unresolved.add("the '" + p + "' prefix");
      }
      v = v.substring(1);
    }
    List<String> words = new ArrayList<>();
    for (String raw : split(v)) {
      String w = variables(specifiers(raw, unitName, unresolved), environment, unresolved);
      if (w.startsWith("\u0001SPLIT")) {
        // $VAR as a whole word: systemd splits its value into words
        String expanded = w.substring("\u0001SPLIT".length());
        for (String part : expanded.strip().split("\\s+")) {
          if (!part.isEmpty()) {
            words.add(part);
          }
        }
      } else {
        words.add(w);
      }
    }
    return new ExecCommand(ignore, List.copyOf(words), List.copyOf(unresolved));
  }

  /** The executable's file name ({@code /usr/bin/docker} and {@code docker} are both {@code docker}). */
  public String program() {
    if (words.isEmpty()) {
      return "";
    }
    String w = words.get(0);
    return w.substring(w.lastIndexOf('/') + 1);
  }

  /** Splits into words: whitespace separates, quotes group, backslash escapes (C style). */
  public static List<String> split(String s) {
    List<String> words = new ArrayList<>();
    StringBuilder w = null;
    char quote = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote == 0 && Character.isWhitespace(c)) {
        if (w != null) {
          words.add(w.toString());
          w = null;
        }
        continue;
      }
      if (w == null) {
        w = new StringBuilder();
      }
      if (c == '\\' && i + 1 < s.length()) {
        i = unescape(s, i + 1, w);
      } else if (quote == 0 && (c == '"' || c == '\'')) {
        quote = c;
      } else if (c == quote) {
        quote = 0;
      } else {
        w.append(c);
      }
    }
    if (w != null) {
      words.add(w.toString());
    }
    return words;
  }

  /** Appends the character the escape at {@code i} (after the backslash) stands for; returns its last index. */
  private static int unescape(String s, int i, StringBuilder out) {
    char e = s.charAt(i);
    switch (e) {
      case 'n' -> out.append('\n');
      case 't' -> out.append('\t');
      case 'r' -> out.append('\r');
      case 'a' -> out.append('\u0007');
      case 'b' -> out.append('\b');
      case 'f' -> out.append('\f');
      case 'v' -> out.append('\u000b');
      case 's' -> out.append(' ');
      case 'x' -> {
        if (i + 2 < s.length() + 0 && s.substring(i + 1, Math.min(s.length(), i + 3)).matches("[0-9a-fA-F]{2}")) {
          out.append((char) Integer.parseInt(s.substring(i + 1, i + 3), 16));
          return i + 2;
        }
        out.append(e);
      }
      default -> out.append(e);
    }
    return i;
  }

  private static String specifiers(String w, String unitName, List<String> unresolved) {
    StringBuilder b = new StringBuilder();
    String name = unitName.replaceFirst("\\.(service|timer)$", "");
    for (int i = 0; i < w.length(); i++) {
      char c = w.charAt(i);
      if (c != '%' || i + 1 >= w.length()) {
        b.append(c);
        continue;
      }
      char s = w.charAt(++i);
      switch (s) {
        case '%' -> b.append('%');
        case 'n' -> b.append(name).append(".service");
        case 'N', 'p' -> b.append(name);
        case 'H' -> b.append(SystemdQuoting.HOST_NAME);
        default -> {
          unresolved.add("the specifier %" + s + " in '" + w + "'");
          b.append('%').append(s);
        }
      }
    }
    return b.toString();
  }

  private static String variables(String w, Map<String, String> env, List<String> unresolved) {
    Matcher whole = Pattern.compile("\\$([A-Za-z_][A-Za-z0-9_]*)").matcher(w);
    if (whole.matches()) {
      String value = env.get(whole.group(1));
      if (value != null) {
        return "\u0001SPLIT" + value;
      }
      unresolved.add("the variable " + w + " (not set by Environment= in the unit)");
      return w;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < w.length(); i++) {
      char c = w.charAt(i);
      if (c != '$' || i + 1 >= w.length()) {
        b.append(c);
        continue;
      }
      if (w.charAt(i + 1) == '$') {
        b.append('$');
        i++;
        continue;
      }
      Matcher m = Pattern.compile("\\{([A-Za-z_][A-Za-z0-9_]*)\\}").matcher(w)
          .region(i + 1, w.length());
      if (m.lookingAt()) {
        String value = env.get(m.group(1));
        if (value == null) {
          unresolved.add("the variable ${" + m.group(1) + "} (not set by Environment= in the unit)");
          b.append(w, i, m.end());
        } else {
          b.append(value);
        }
        i = m.end() - 1;
      } else {
        b.append(c);
      }
    }
    return b.toString();
  }
}
