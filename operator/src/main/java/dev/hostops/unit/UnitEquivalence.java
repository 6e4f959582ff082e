package dev.hostops.unit;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether a unit hostops is about to write over a hand-written one would run the same container,
 * so adopting it needs no restart. Compared: the {@code docker run} of {@code ExecStart=} read as
 * Docker reads it (options in any order, {@code --flag=value} or {@code --flag value}, short or long
 * names, {@code :rw} or not, {@code /usr/bin/docker} or {@code docker}; env files by their content,
 * wherever they lie) and where the process's stdout and stderr go. Everything else in a unit
 * (pull, pre-start steps, reload, restart settings, start limits, dependencies, [Install]) only
 * matters at the next start or reload, which the new unit then governs. Pure.
 */
public final class UnitEquivalence {
  private UnitEquivalence() {}

  /**
   * Empty when equivalent, else what differs (for the status message).
   *
   * @param fileContent a path's content hash as the apply will leave it (a file hostops writes) or as
   *                    it is on the host (a file the old unit names); null when unknown
   */
  public static Optional<String> difference(String unitName, String before, String after,
                                            Function<String, String> fileContent) {
    UnitFile old = UnitFile.parse(before);
    UnitFile now = UnitFile.parse(after);
    Map<String, Object> a = container(unitName, old, fileContent);
    Map<String, Object> b = container(unitName, now, fileContent);
    if (a == null || b == null) {
      return Optional.of("ExecStart= is not a docker run");
    }
    for (String key : b.keySet()) {
      if (!Objects.equals(a.get(key), b.get(key))) {
        return Optional.of("docker run " + key + " differ");
      }
    }
    for (String key : List.of("StandardOutput", "StandardError")) {
      if (!Objects.equals(stream(old, key), stream(now, key))) {
        return Optional.of(key + "= differs");
      }
    }
    if (!Objects.equals(name(old, unitName), name(now, unitName))) {
      return Optional.of("the container's name differs");
    }
    return Optional.empty();
  }

  /** The env-file paths the unit's {@code docker run} reads (an adopt compares them by content). */
  public static List<String> envFiles(String unitName, String unit) {
    DockerRun run = run(unitName, UnitFile.parse(unit));
    return run == null ? List.of() : run.values("--env-file");
  }

  private static Map<String, Object> container(String unitName, UnitFile unit, Function<String, String> fileContent) {
    DockerRun run = run(unitName, unit);
    return run == null || run.image() == null ? null : run.container(p -> {
      String c = fileContent.apply(p);
      // an unknown file never equals another: adopting then restarts, which is always safe
      return c == null ? "unknown:" + p : c;
    });
  }

  private static DockerRun run(String unitName, UnitFile unit) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String assignment : unit.values("Service", "Environment")) {
      for (String word : ExecCommand.split(assignment)) {
        int eq = word.indexOf('=');
        if (eq > 0) {
          env.put(word.substring(0, eq), word.substring(eq + 1));
        }
      }
    }
    return unit.last("Service", "ExecStart").map(v -> DockerRun.parse(ExecCommand.parse(v, unitName, env).words()))
        .orElse(null);
  }

  /** The container a unit's {@code docker run} names (--name), or null. */
  public static String containerName(String unitName, String unit) {
    return name(UnitFile.parse(unit), unitName);
  }

  private static String name(UnitFile unit, String unitName) {
    DockerRun run = run(unitName, unit);
    return run == null || run.values("--name").isEmpty() ? null : run.values("--name").get(0);
  }

  private static String stream(UnitFile unit, String key) {
    String v = unit.last("Service", key).orElse(null);
    return v == null || v.equals("journal") || key.equals("StandardError") && v.equals("inherit") ? "journal" : v;
  }
}
