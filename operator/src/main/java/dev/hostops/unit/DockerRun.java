package dev.hostops.unit;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * A {@code docker run} command line read as Docker reads it: options (long and short, {@code --flag
 * value} and {@code --flag=value}, bundled {@code -it}) up to the image, then the container's
 * arguments. Short options are named by their long form.
 *
 * @param options in order; a flag without value has a null value
 * @param image   the image reference
 * @param args    what follows the image
 */
public record DockerRun(List<Option> options, String image, List<String> args) {
  public record Option(String flag, String value) {}

  /** docker run's options that take no value (docker run --help, Docker 20–27). */
  private static final Set<String> BOOLEAN = Set.of("--detach", "--rm", "--interactive", "--tty", "--init",
      "--read-only", "--privileged", "--no-healthcheck", "--oom-kill-disable", "--publish-all", "--sig-proxy",
      "--disable-content-trust", "--quiet", "--help");
  private static final Map<String, String> SHORT = Map.ofEntries(Map.entry("-p", "--publish"), Map.entry("-e", "--env"),
      Map.entry("-v", "--volume"), Map.entry("-h", "--hostname"), Map.entry("-w", "--workdir"), Map.entry("-u", "--user"),
      Map.entry("-l", "--label"), Map.entry("-m", "--memory"), Map.entry("-i", "--interactive"), Map.entry("-t", "--tty"),
      Map.entry("-d", "--detach"), Map.entry("-P", "--publish-all"), Map.entry("-a", "--attach"),
      Map.entry("-c", "--cpu-shares"), Map.entry("-q", "--quiet"));
  private static final Map<String, String> ALIASES = Map.of("--net", "--network", "--net-alias", "--network-alias");

  /**
   * Reads {@code words} (the whole command, the {@code docker} executable first), or returns null when
   * they are not a {@code docker run} / {@code docker container run}.
   */
  public static DockerRun parse(List<String> words) {
    if (words.isEmpty() || !words.get(0).replaceFirst(".*/", "").equals("docker")) {
      return null;
    }
    int i = 1;
    if (i < words.size() && words.get(i).equals("container")) {
      i++;
    }
    if (i >= words.size() || !words.get(i).equals("run")) {
      return null;
    }
    i++;
    List<Option> options = new ArrayList<>();
    while (i < words.size()) {
      String w = words.get(i);
      if (w.equals("--")) {
        i++;
        break;
      }
      if (!w.startsWith("-") || w.equals("-")) {
        break;
      }
      if (w.startsWith("--")) {
        int eq = w.indexOf('=');
        String flag = eq > 0 ? w.substring(0, eq) : w;
        flag = ALIASES.getOrDefault(flag, flag);
        if (eq > 0) {
          options.add(new Option(flag, w.substring(eq + 1)));
        } else if (BOOLEAN.contains(flag)) {
          options.add(new Option(flag, null));
        } else {
          options.add(new Option(flag, i + 1 < words.size() ? words.get(++i) : ""));
        }
        i++;
        continue;
      }
      // short options, possibly bundled (-it), the last one may take a value (-p80:80 or -p 80:80)
      for (int k = 1; k < w.length(); k++) {
        String flag = SHORT.getOrDefault("-" + w.charAt(k), "-" + w.charAt(k));
        if (BOOLEAN.contains(flag)) {
          options.add(new Option(flag, null));
          continue;
        }
        String rest = w.substring(k + 1);
        if (rest.startsWith("=")) {
          rest = rest.substring(1);
        }
        options.add(new Option(flag, !rest.isEmpty() ? rest : i + 1 < words.size() ? words.get(++i) : ""));
        break;
      }
      i++;
    }
    if (i >= words.size()) {
      return new DockerRun(List.copyOf(options), null, List.of());
    }
    return new DockerRun(List.copyOf(options), words.get(i), List.copyOf(words.subList(i + 1, words.size())));
  }

  public List<String> values(String flag) {
    return options.stream().filter(o -> o.flag().equals(flag)).map(Option::value).toList();
  }

  public boolean has(String flag) {
    return options.stream().anyMatch(o -> o.flag().equals(flag));
  }

  /**
   * What decides the container Docker creates, with the order and spelling that do not matter taken
   * out: options as a sorted list (env files resolved to their content through {@code fileContent},
   * since they are read once, when the container is created; their order is kept, a later file
   * wins), {@code -v a:b} equal to {@code -v a:b:rw}, env without duplicates (the last one wins).
   */
  public Map<String, Object> container(Function<String, String> fileContent) {
    Map<String, Object> m = new TreeMap<>();
    m.put("image", image);
    m.put("args", args);
    Map<String, String> env = new TreeMap<>();
    List<String> envFiles = new ArrayList<>();
    List<String> other = new ArrayList<>();
    for (Option o : options) {
      switch (o.flag()) {
        case "--env" -> {
          int eq = o.value().indexOf('=');
          env.put(eq < 0 ? o.value() : o.value().substring(0, eq), eq < 0 ? null : o.value().substring(eq + 1));
        }
        case "--env-file" -> envFiles.add(fileContent.apply(o.value()));
        case "--volume" -> other.add("--volume " + volume(o.value()));
        case "--publish" -> other.add("--publish " + o.value().replaceFirst("/tcp$", ""));
        default -> other.add(o.value() == null ? o.flag() : o.flag() + " " + o.value());
      }
    }
    other.sort(null);
    m.put("env", env.toString());
    m.put("env-files", envFiles);
    m.put("options", other);
    return m;
  }

  private static String volume(String v) {
    String[] parts = v.split(":", -1);
    if (parts.length < 3) {
      return v;
    }
    List<String> opts = new ArrayList<>(List.of(parts[2].split(",")));
    opts.remove("rw");
    opts.sort(null);
    return parts[0] + ":" + parts[1] + (opts.isEmpty() ? "" : ":" + String.join(",", opts));
  }
}
