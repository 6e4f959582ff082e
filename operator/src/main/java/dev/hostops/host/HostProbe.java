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
 * the hash and mode of each file, the systemd state of each unit (and timer) and the Docker state,
 * health and image of each container; for a service without an ownership record, the content of the
 * unit files found (an adopt compares them with what it would write). It runs in one SSH round trip;
 * besides the shell (builtins only, per service and per file) it launches one {@code stat} and one
 * {@code sha256sum} for all files, one {@code systemctl show}, one {@code docker inspect}, one
 * {@code docker image inspect} (only for images not seen before), and one {@code docker ps} per compose
 * project. On the way it removes hostops' own temp files
 * ({@code .hostops.} and six characters) that an interrupted apply left in the directories of the
 * files it manages; the probe and applies of one host never overlap, so none of them is in use.
 */
public final class HostProbe {
  /** Where hostops records, per service, who owns it and which files it wrote. */
  public static final String STATE_DIR = "/var/lib/hostops/services";

  /**
   * A service to look at, the files it should have, whether it is a compose project, and image IDs
   * whose repo digests the caller already knows (they are not looked up again: ~20 ms each probe).
   */
  public record Request(String name, List<String> paths, boolean compose, java.util.Set<String> knownImages) {
    public Request(String name, List<String> paths) {
      this(name, paths, false, java.util.Set.of());
    }
  }

  private HostProbe() {}

  /** A line of sha256sum's output: the hash, two spaces, the path. */
  private static final java.util.regex.Pattern SHA256SUM = java.util.regex.Pattern.compile("^([0-9a-f]{64})  (.+)$");

  /**
   * Shell: {@code restart_alive FILE} succeeds when the process a restart left to the host runs in (see
   * HostApplier's {@code hostops_defer}) still runs; sets rp (its PID), rs (its start time) and ri (the
   * InvocationID of the run it replaces) from FILE. The start time tells a reused PID apart.
   */
  static final String RESTART_ALIVE = """
      restart_alive() {
        rp=""; rs=""; ri=""
        read -r rp rs ri 2>/dev/null <"$1" || return 1
        case $rs in ''|0) return 1 ;; esac
        [ "$(cut -d' ' -f22 "/proc/$rp/stat" 2>/dev/null)" = "$rs" ]
      }
      """;

  private static final String PRELUDE = RESTART_ALIVE + """
      S=/var/lib/hostops/services
      clean_tmp() {
        for t in "${1%/*}"/.hostops.??????; do
          if [ -f "$t" ] && [ ! -L "$t" ]; then rm -f -- "$t"; fi
        done
      }
      probe_files() {
        n=$1; shift
        o=""; if [ -f "$S/$n/owner" ]; then IFS= read -r o < "$S/$n/owner" || true; fi
        printf 'owner\\t%s\\t%s\\n' "$n" "$o"
        foreign=""; [ -f "$S/$n/owner" ] || foreign=1
        # a restart left to the host (see HostApplier): whether its process still runs, and the run it replaces
        if [ -f "$S/$n/restart" ]; then
          ra=0; if restart_alive "$S/$n/restart"; then ra=1; fi
          printf 'restart\\t%s\\t%s\\t%s\\n' "$n" "$ra" "$ri"
        fi
        if [ -L "/root/$n" ] || { [ -e "/root/$n" ] && [ ! -d "/root/$n" ]; }; then printf 'unsafe\\t%s\\n' "$n"; fi
        if [ -f "$S/$n/files" ]; then
          while IFS= read -r p; do printf 'managed\\t%s\\t%s\\n' "$n" "$p"; clean_tmp "$p"; done < "$S/$n/files"
        fi
        for p in "$@"; do
          clean_tmp "$p"
          if [ -f "$p" ] && [ ! -L "$p" ]; then
            printf 'file\\t%s\\t%s\\treg\\t-\\n' "$n" "$p"
            reg="$reg$p
      "
            case "$foreign$p" in 1/etc/systemd/system/*) printf 'foreign\\t%s\\t%s\\t%s\\n' "$n" "$p" "$(base64 -w0 < "$p")" ;; esac
          elif [ -e "$p" ] || [ -L "$p" ]; then
            printf 'file\\t%s\\t%s\\tother\\t-\\n' "$n" "$p"
          else
            printf 'file\\t%s\\t%s\\t-\\t-\\n' "$n" "$p"
          fi
        done
      }
      # modes and hashes of every regular file found, in two processes for the whole probe
      probe_hashes() {
        [ -n "$reg" ] || return 0
        IFS='
      '; set -f
        set -- $reg
        unset IFS; set +f
        stat --printf 'fmode\\t%a\\t%n\\n' -- "$@" 2>/dev/null
        sha256sum -- "$@" 2>/dev/null
        return 0
      }
      probe_compose() {
        printf 'cproj\\t%s\\t%s\\n' "$1" "$(docker ps -a --filter "label=com.docker.compose.project=$1" --format '{{.State}}' 2>/dev/null | tr '\\n' ' ')"
      }
      probe_units() {
        [ $# -gt 0 ] || return 0
        us=$(systemctl show --property=Id,LoadState,ActiveState,SubState,UnitFileState,Result,ExecMainStatus,ExecMainExitTimestamp,LastTriggerUSec,NextElapseUSecRealtime,ExecStartPre,InvocationID "$@")
        printf '%s\\n' "$us" | sed 's/^/unit\\t/'
        # A failed (or restarting) service: the last Docker error of its last run, e.g. a refused pull.
        printf '%s\\n' "$us" | awk 'BEGIN{RS="";FS="\\n"} {id="";inv="";bad=0; for(i=1;i<=NF;i++){if($i~/^Id=/)id=substr($i,4); if($i~/^InvocationID=/)inv=substr($i,14); if($i=="ActiveState=failed"||$i=="SubState=auto-restart")bad=1} if(bad&&id!=""&&inv!="")print id, inv}' |
          while read -r u inv; do
            l=$(journalctl -o cat --no-pager _SYSTEMD_INVOCATION_ID="$inv" 2>/dev/null | grep '^Error response from daemon: ' | grep -v 'No such container' | tail -n1 | cut -c1-400)
            [ -n "$l" ] && printf 'dockererr\\t%s\\t%s\\n' "${u%.service}" "$l"
          done
        return 0
      }
      probe_containers() {
        [ $# -gt 0 ] || return 0
        ci=$(docker inspect --type container -f 'container\t{{.Name}}\t{{.State.Status}}\t{{.State.StartedAt}}\t{{.Image}}\t{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$@" 2>/dev/null)
        [ -n "$ci" ] || return 0
        printf '%s\\n' "$ci"
        need=""
        for id in $(printf '%s\\n' "$ci" | cut -f5 | sort -u); do
          case "$known" in *" $id "*) ;; *) need="$need $id" ;; esac
        done
        [ -n "$need" ] && docker image inspect -f 'image\t{{.Id}}\t{{range .RepoDigests}}{{.}} {{end}}' $need 2>/dev/null
        return 0
      }
      """;

  public static String script(List<Request> requests) {
    StringBuilder s = new StringBuilder(PRELUDE);
    s.append("reg=\"\"\n");
    java.util.Set<String> known = new java.util.TreeSet<>();
    requests.forEach(r -> known.addAll(r.knownImages()));
    s.append("known=").append(quote(" " + String.join(" ", known) + " ")).append('\n');
    StringBuilder units = new StringBuilder();
    StringBuilder names = new StringBuilder();
    for (Request r : requests) {
      s.append("probe_files ").append(quote(r.name()));
      for (String p : r.paths()) {
        s.append(' ').append(quote(p));
      }
      s.append('\n');
      units.append(' ').append(quote(r.name() + ".service")).append(' ').append(quote(r.name() + ".timer"));
      if (r.compose()) {
        s.append("probe_compose ").append(quote(r.name())).append('\n');
      } else {
        names.append(' ').append(quote(r.name()));
      }
    }
    s.append("probe_hashes\n");
    s.append("probe_units").append(units).append('\n');
    s.append("probe_containers").append(names).append('\n');
    s.append("exit 0\n");
    return s.toString();
  }

  /**
   * Every service hostops installed on the host, found from its records: files, units and
   * containers in one go. This is the per-host drift check; one round trip for the whole host.
   */
  public static String scriptAll(java.util.Set<String> knownImages) {
    return scriptAll(knownImages, Map.of());
  }

  /**
   * @param knownRuns InvocationID by service name, for services last seen running a container without a
   *                  health check: while the unit still runs that invocation, Docker is not asked again
   *                  (the probe's dearest part) and the container is reported as {@code samecontainer}
   */
  public static String scriptAll(java.util.Set<String> knownImages, Map<String, String> knownRuns) {
    StringBuilder runs = new StringBuilder(" ");
    new java.util.TreeMap<>(knownRuns).forEach((n, inv) -> runs.append(n).append('=').append(inv).append(' '));
    return PRELUDE + "known=" + quote(" " + String.join(" ", new java.util.TreeSet<>(knownImages)) + " ") + "\n"
        + "runs=" + quote(runs.toString()) + "\n"
        + """
        units=""; names=""; reg=""
        for d in "$S"/*/; do
          [ -d "$d" ] || continue
          n=${d%/}; n=${n##*/}
          case "$n" in *[!a-z0-9-]*|"") continue ;; esac
          set --
          if [ -f "$d/files" ]; then while IFS= read -r p; do set -- "$@" "$p"; done < "$d/files"; fi
          probe_files "$n" "$@"
          units="$units $n.service $n.timer"
          if [ -f "/root/$n/compose.yaml" ]; then probe_compose "$n"; else names="$names $n"; fi
        done
        if read -r la </var/lib/hostops/logagent 2>/dev/null; then clean_tmp "$la"; fi
        probe_hashes
        probe_units $units
        # a unit still on the run whose container was seen: the same `docker run`, the same container
        same=$(printf '%s\\n' "$us" | awk -v runs="$runs" 'BEGIN {RS=""; FS="\\n"}
          {id=""; inv=""; a=""; s=""
           for (i = 1; i <= NF; i++) { e = index($i, "="); k = substr($i, 1, e - 1); v = substr($i, e + 1)
             if (k == "Id") id = v; else if (k == "InvocationID") inv = v
             else if (k == "ActiveState") a = v; else if (k == "SubState") s = v }
           if (a == "active" && s == "running" && inv != "" && id ~ /[.]service$/) {
             n = substr(id, 1, length(id) - 8); if (index(runs, " " n "=" inv " ")) printf "%s ", n }}')
        rest=""
        for n in $names; do
          case " $same " in *" $n "*) printf 'samecontainer\\t%s\\n' "$n" ;; *) rest="$rest $n" ;; esac
        done
        probe_containers $rest
        exit 0
        """;
  }

  /** Parses {@link #scriptAll}: the services are the ones the host reported. */
  public static Map<String, ServiceObservation> parseAll(String output, Map<String, List<String>> knownDigests) {
    return parseAll(output, knownDigests, Map.of());
  }

  /** @param knownContainers the containers last seen, by service name, for services the host reports unchanged */
  public static Map<String, ServiceObservation> parseAll(String output, Map<String, List<String>> knownDigests,
                                                         Map<String, ContainerState> knownContainers) {
    Map<String, List<String>> paths = new LinkedHashMap<>();
    java.util.Set<String> compose = new java.util.HashSet<>();
    for (String line : output.split("\n")) {
      String[] f = line.split("\t", -1);
      if (f[0].equals("owner") && f.length > 1) {
        paths.computeIfAbsent(f[1], k -> new ArrayList<>());
      } else if (f[0].equals("managed") && f.length > 2) {
        paths.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f[2]);
      } else if (f[0].equals("cproj") && f.length > 1) {
        compose.add(f[1]);
      }
    }
    List<Request> requests = new ArrayList<>();
    paths.forEach((name, p) -> requests.add(new Request(name, p, compose.contains(name), java.util.Set.of())));
    return parse(requests, output, knownDigests, knownContainers);
  }

  /** Parses the probe's output into one observation per requested service. */
  public static Map<String, ServiceObservation> parse(List<Request> requests, String output) {
    return parse(requests, output, Map.of());
  }

  /** @param knownDigests repo digests by image ID for the images the requests said were known */
  public static Map<String, ServiceObservation> parse(List<Request> requests, String output,
                                                     Map<String, List<String>> knownDigests) {
    return parse(requests, output, knownDigests, Map.of());
  }

  private static Map<String, ServiceObservation> parse(List<Request> requests, String output,
                                                      Map<String, List<String>> knownDigests,
                                                      Map<String, ContainerState> knownContainers) {
    java.util.Set<String> same = new java.util.HashSet<>();
    Map<String, String> owners = new HashMap<>();
    Map<String, List<String>> managed = new HashMap<>();
    Map<String, Map<String, FileState>> files = new HashMap<>();
    Map<String, UnitState> units = new HashMap<>();
    Map<String, String[]> containers = new HashMap<>();
    Map<String, String> compose = new HashMap<>();
    Map<String, List<String>> imageDigests = new HashMap<>(knownDigests);
    Map<String, String> unitBlock = new HashMap<>();
    Map<String, Map<String, String>> foreign = new HashMap<>();
    java.util.Set<String> unsafe = new java.util.HashSet<>();
    Map<String, String> modes = new HashMap<>();
    Map<String, String> hashes = new HashMap<>();
    Map<String, String> dockerErrors = new HashMap<>();
    Map<String, String[]> restarts = new HashMap<>();
    for (String line : output.split("\n")) {
      java.util.regex.Matcher hash = SHA256SUM.matcher(line);
      if (hash.matches()) {
        hashes.put(hash.group(2), hash.group(1));
        continue;
      }
      String[] f = line.split("\t", -1);
      switch (f[0]) {
        case "fmode" -> modes.put(f[2], f[1]);
        case "owner" -> owners.put(f[1], f.length > 2 && !f[2].isBlank() ? f[2].strip() : null);
        case "unsafe" -> unsafe.add(f[1]);
        case "foreign" -> foreign.computeIfAbsent(f[1], k -> new HashMap<>()).put(f[2], new String(
            java.util.Base64.getDecoder().decode(f.length > 3 ? f[3] : ""), java.nio.charset.StandardCharsets.UTF_8));
        case "managed" -> managed.computeIfAbsent(f[1], k -> new ArrayList<>()).add(f[2]);
        case "file" -> files.computeIfAbsent(f[1], k -> new HashMap<>()).put(f[2],
            "-".equals(f[3]) ? FileState.ABSENT : "other".equals(f[3]) ? FileState.NOT_A_FILE : null);
        case "unit" -> {
          if (f.length < 2 || f[1].isEmpty()) {
            flushUnit(unitBlock, units);
          } else {
            int eq = f[1].indexOf('=');
            if (eq > 0 && f[1].startsWith("ExecStartPre=")) {
              String image = failedPull(f[1].substring(eq + 1));
              if (image != null) {
                unitBlock.put("FailedPull", image);
              }
            } else if (eq > 0) {
              // systemctl show does not keep the order of --property: blocks end at blank lines only
              unitBlock.put(f[1].substring(0, eq), f[1].substring(eq + 1));
            }
          }
        }
        case "dockererr" -> dockerErrors.put(f[1], f.length > 2 ? f[2] : "");
        case "restart" -> restarts.put(f[1], f);
        case "samecontainer" -> same.add(f[1]);
        case "container" -> containers.put(f[1].startsWith("/") ? f[1].substring(1) : f[1], f);
        case "cproj" -> compose.put(f[1], f.length > 2 ? f[2].strip() : "");
        case "image" -> imageDigests.put(f[1], f.length > 2 && !f[2].isBlank() ? List.of(f[2].strip().split(" ")) : List.of());
        default -> { }
      }
    }
    flushUnit(unitBlock, units);
    // regular files: mode and hash from the two batch commands (a file gone in between reads as absent)
    files.values().forEach(byPath -> byPath.replaceAll((path, state) -> state != null ? state
        : modes.containsKey(path) && hashes.containsKey(path) ? new FileState(modes.get(path), hashes.get(path))
        : FileState.ABSENT));
    Map<String, ServiceObservation> result = new LinkedHashMap<>();
    for (Request r : requests) {
      Map<String, FileState> fs = new LinkedHashMap<>();
      for (String p : r.paths()) {
        fs.put(p, files.getOrDefault(r.name(), Map.of()).getOrDefault(p, FileState.ABSENT));
      }
      ContainerState container;
      if (r.compose()) {
        String states = compose.getOrDefault(r.name(), "");
        List<String> all = states.isEmpty() ? List.of() : List.of(states.split(" "));
        int running = (int) all.stream().filter("running"::equals).count();
        container = all.isEmpty() ? ContainerState.ABSENT : new ContainerState(
            running == all.size() ? "running" : running > 0 ? "partial" : "exited", null, null, List.of(), "",
            running, all.size());
      } else {
        String[] c = containers.get(r.name());
        container = c == null && same.contains(r.name()) && knownContainers.containsKey(r.name())
            ? knownContainers.get(r.name())
            : c == null ? ContainerState.ABSENT
            : new ContainerState(c[2], c[3], c[4], imageDigests.getOrDefault(c[4], List.of()), c.length > 5 ? c[5] : "",
            "running".equals(c[2]) ? 1 : 0, 1);
      }
      UnitState unit = units.getOrDefault(r.name() + ".service", UnitState.UNKNOWN);
      result.put(r.name(), new ServiceObservation(r.name(), owners.get(r.name()),
          managed.getOrDefault(r.name(), List.of()), fs, unit,
          units.getOrDefault(r.name() + ".timer", UnitState.UNKNOWN), container, unsafe.contains(r.name()),
          Map.copyOf(foreign.getOrDefault(r.name(), Map.of())), dockerErrors.get(r.name()),
          restart(restarts.get(r.name()), unit)));
    }
    return result;
  }

  /**
   * A restart the host was left to do: still waiting for its download while its process runs; lost when that
   * process is gone and the unit still runs the run it was to replace; done (null) otherwise.
   */
  private static ServiceObservation.Restart restart(String[] marker, UnitState unit) {
    if (marker == null || marker.length < 4) {
      return null;
    }
    if ("1".equals(marker[2])) {
      return ServiceObservation.Restart.PULLING;
    }
    return !marker[3].isEmpty() && !"-".equals(marker[3]) && marker[3].equals(unit.invocationId())
        ? ServiceObservation.Restart.LOST : null;
  }

  private static void flushUnit(Map<String, String> block, Map<String, UnitState> units) {
    if (block.containsKey("Id")) {
      String lastExit = block.getOrDefault("ExecMainExitTimestamp", "");
      if (lastExit.isEmpty()) {
        lastExit = block.getOrDefault("LastTriggerUSec", "");
      }
      units.put(block.get("Id"), new UnitState(block.getOrDefault("LoadState", ""),
          block.getOrDefault("ActiveState", ""), block.getOrDefault("SubState", ""),
          block.getOrDefault("UnitFileState", ""), block.getOrDefault("Result", ""),
          block.getOrDefault("ExecMainStatus", ""), lastExit, block.getOrDefault("NextElapseUSecRealtime", ""),
          block.get("FailedPull"), block.getOrDefault("InvocationID", "")));
    }
    block.clear();
  }

  private static final java.util.regex.Pattern PULL = java.util.regex.Pattern.compile(
      "argv\\[]=\\S*/docker pull (\\S+) ;.* status=([0-9]+)");
  private static final java.util.regex.Pattern COMPOSE_PULL = java.util.regex.Pattern.compile(
      "argv\\[]=\\S*/docker(?:-compose| compose) -p \\S+ -f \\S+ pull ;.* status=([0-9]+)");

  /**
   * One ExecStartPre= of {@code systemctl show}: {@code { path=… ; argv[]=/usr/bin/docker pull IMAGE ; … ;
   * status=1 }}. The image (or "the compose project's images") when it is a pull that failed at the last start.
   */
  static String failedPull(String execStartPre) {
    java.util.regex.Matcher m = PULL.matcher(execStartPre);
    if (m.find()) {
      return "0".equals(m.group(2)) ? null : m.group(1);
    }
    m = COMPOSE_PULL.matcher(execStartPre);
    return m.find() && !"0".equals(m.group(1)) ? "the compose project's images" : null;
  }
}
