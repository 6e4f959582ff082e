package dev.hostops.unit;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * A {@code docker exec [OPTIONS] CONTAINER COMMAND…} command line read as Docker reads it: the working
 * directory ({@code -w DIR}, {@code -wDIR}, {@code --workdir DIR}, {@code --workdir=DIR}) apart, every other
 * option kept as written (hostops' reload has no setting for them).
 *
 * @param workdir   the working directory, or null
 * @param other     the other options, as written
 * @param container the container
 * @param command   what runs in it
 */
public record DockerExec(String workdir, List<String> other, String container, List<String> command) {
  /** docker exec's options that take a value (docker exec --help, Docker 20–27). */
  private static final Set<String> VALUED = Set.of("-e", "--env", "--env-file", "-u", "--user", "-w", "--workdir",
      "--detach-keys");

  /** Reads {@code words} (the {@code docker} executable first), or null when they are not a docker exec. */
  public static DockerExec parse(List<String> words) {
    if (words.size() < 2 || !words.get(0).replaceFirst(".*/", "").equals("docker")) {
      return null;
    }
    int i = 1;
    if (words.get(i).equals("container")) {
      i++;
    }
    if (i >= words.size() || !words.get(i).equals("exec")) {
      return null;
    }
    i++;
    String workdir = null;
    List<String> other = new ArrayList<>();
    while (i < words.size() && words.get(i).startsWith("-") && !words.get(i).equals("-")) {
      String w = words.get(i);
      if (w.equals("--")) {
        i++;
        break;
      }
      String flag = w.startsWith("--") && w.contains("=") ? w.substring(0, w.indexOf('=')) : w;
      String value = null;
      if (w.startsWith("--") && w.contains("=")) {
        value = w.substring(w.indexOf('=') + 1);
      } else if (w.startsWith("-w") && w.length() > 2) {
        flag = "-w";
        value = w.substring(2).replaceFirst("^=", "");
      } else if (VALUED.contains(w)) {
        value = i + 1 < words.size() ? words.get(++i) : "";
      }
      if (flag.equals("-w") || flag.equals("--workdir")) {
        workdir = value;
      } else {
        other.add(value == null ? w : flag + "=" + value);
      }
      i++;
    }
    if (i >= words.size()) {
      return null;
    }
    return new DockerExec(workdir, List.copyOf(other), words.get(i), List.copyOf(words.subList(i + 1, words.size())));
  }
}
