package dev.hostops.host;

import static dev.hostops.render.ShellQuoting.quote;

import dev.hostops.host.ServiceObservation.ContainerState;
import dev.hostops.host.ServiceObservation.FileState;
import dev.hostops.host.ServiceObservation.UnitState;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The probe: one shell script that reports, for a set of services, the hostops ownership record,
 * the hash and mode of each file, the systemd state of each unit and the Docker state and image of
 * each container. It runs in one SSH round trip with three process launches besides the shell
 * (one {@code systemctl show}, one {@code docker inspect}, one {@code docker image inspect}).
 */
public final class HostProbe {
  /** Where hostops records, per service, who owns it and which files it wrote. */
  public static final String STATE_DIR = "/var/lib/hostops/services";

  /** A service to look at, and the files it should have. */
  public record Request(String name, List<String> paths) {}

  private HostProbe() {}

  public static String script(List<Request> requests) {
    StringBuilder s = new StringBuilder();
    s.append("S=").append(STATE_DIR).append('\n');
    s.append("""
        probe_files() {
          n=$1; shift
          printf 'owner\\t%s\\t%s\\n' "$n" "$(head -n1 "$S/$n/owner" 2>/dev/null)"
          if [ -f "$S/$n/files" ]; then
            while IFS= read -r p; do printf 'managed\\t%s\\t%s\\n' "$n" "$p"; done < "$S/$n/files"
          fi
          for p in "$@"; do
            if [ -f "$p" ] && [ ! -L "$p" ]; then
              printf 'file\\t%s\\t%s\\t%s\\t%s\\n' "$n" "$p" "$(stat -c %a "$p")" "$(sha256sum < "$p" | cut -c1-64)"
            elif [ -e "$p" ] || [ -L "$p" ]; then
              printf 'file\\t%s\\t%s\\tother\\t-\\n' "$n" "$p"
            else
              printf 'file\\t%s\\t%s\\t-\\t-\\n' "$n" "$p"
            fi
          done
        }
        """);
    if (requests.isEmpty()) {
      return s.toString();
    }
    StringBuilder units = new StringBuilder();
    StringBuilder names = new StringBuilder();
    for (Request r : requests) {
      s.append("probe_files ").append(quote(r.name()));
      for (String p : r.paths()) {
        s.append(' ').append(quote(p));
      }
      s.append('\n');
      units.append(' ').append(quote(r.name() + ".service"));
      names.append(' ').append(quote(r.name()));
    }
    s.append("systemctl show --property=Id,LoadState,ActiveState,SubState,UnitFileState").append(units)
        .append(" | sed 's/^/unit\\t/'\n");
    s.append("ci=$(docker inspect --type container -f 'container\t{{.Name}}\t{{.State.Status}}\t{{.State.StartedAt}}"
        + "\t{{.Image}}'").append(names).append(" 2>/dev/null)\n");
    s.append("""
        [ -n "$ci" ] && printf '%s\\n' "$ci" && docker image inspect -f 'image\t{{.Id}}\t{{range .RepoDigests}}{{.}} {{end}}' \\
          $(printf '%s\\n' "$ci" | cut -f5 | sort -u) 2>/dev/null
        """);
    s.append("exit 0\n");
    return s.toString();
  }

  /** Parses the probe's output into one observation per requested service. */
  public static Map<String, ServiceObservation> parse(List<Request> requests, String output) {
    Map<String, String> owners = new HashMap<>();
    Map<String, List<String>> managed = new HashMap<>();
    Map<String, Map<String, FileState>> files = new HashMap<>();
    Map<String, UnitState> units = new HashMap<>();
    Map<String, String[]> containers = new HashMap<>();
    Map<String, List<String>> imageDigests = new HashMap<>();
    Map<String, String> unitBlock = new HashMap<>();
    for (String line : output.split("\n")) {
      String[] f = line.split("\t", -1);
      switch (f[0]) {
        case "owner" -> owners.put(f[1], f.length > 2 && !f[2].isBlank() ? f[2].strip() : null);
        case "managed" -> managed.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f[2]);
        case "file" -> files.computeIfAbsent(f[1], k -> new HashMap<>()).put(f[2],
            "-".equals(f[3]) ? FileState.ABSENT : "other".equals(f[3]) ? FileState.NOT_A_FILE : new FileState(f[3], f[4]));
        case "unit" -> {
          if (f.length < 2 || f[1].isEmpty()) {
            flushUnit(unitBlock, units);
          } else {
            int eq = f[1].indexOf('=');
            if (eq > 0) {
              if (f[1].startsWith("Id=")) {
                flushUnit(unitBlock, units);
              }
              unitBlock.put(f[1].substring(0, eq), f[1].substring(eq + 1));
            }
          }
        }
        case "container" -> containers.put(f[1].startsWith("/") ? f[1].substring(1) : f[1], f);
        case "image" -> imageDigests.put(f[1], f.length > 2 && !f[2].isBlank() ? List.of(f[2].strip().split(" ")) : List.of());
        default -> { }
      }
    }
    flushUnit(unitBlock, units);
    Map<String, ServiceObservation> result = new LinkedHashMap<>();
    for (Request r : requests) {
      Map<String, FileState> fs = new LinkedHashMap<>();
      for (String p : r.paths()) {
        fs.put(p, files.getOrDefault(r.name(), Map.of()).getOrDefault(p, FileState.ABSENT));
      }
      String[] c = containers.get(r.name());
      ContainerState container = c == null ? ContainerState.ABSENT
          : new ContainerState(c[2], c[3], c[4], imageDigests.getOrDefault(c[4], List.of()));
      result.put(r.name(), new ServiceObservation(r.name(), owners.get(r.name()),
          managed.getOrDefault(r.name(), List.of()), fs,
          units.getOrDefault(r.name() + ".service", UnitState.UNKNOWN), container));
    }
    return result;
  }

  private static void flushUnit(Map<String, String> block, Map<String, UnitState> units) {
    if (block.containsKey("Id")) {
      units.put(block.get("Id"), new UnitState(block.getOrDefault("LoadState", ""),
          block.getOrDefault("ActiveState", ""), block.getOrDefault("SubState", ""),
          block.getOrDefault("UnitFileState", "")));
    }
    block.clear();
  }
}
