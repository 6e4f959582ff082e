package dev.hostops.host;

import dev.hostops.host.ServiceObservation.ContainerState;
import dev.hostops.host.ServiceObservation.FileState;
import dev.hostops.host.ServiceObservation.UnitState;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The probe, as data: the records that ask the host program (host/probe.sh) about a set of services, or
 * every service hostops installed, and the parser of what it reports: the ownership record, the hash
 * and mode of each file, the systemd state of each unit (and timer), the Docker state, health and image
 * of each container; for a service without an ownership record, the content of the unit files found
 * (an adopt compares them with what it would write). One SSH round trip.
 */
public final class HostProbe {
  /** Where hostops records, per service, who owns it and which files it wrote. */
  public static final String STATE_DIR = "/var/lib/hostops/services";

  /**
   * A service to look at, the files it should have, whether it is a compose project, and image IDs
   * whose repo digests the caller already knows (they are not looked up again: ~20 ms each probe).
   */
  public record Request(String name, List<String> paths, boolean compose, Set<String> knownImages) {
    public Request(String name, List<String> paths) {
      this(name, paths, false, Set.of());
    }
  }

  private HostProbe() {}

  /** A line of sha256sum's output: the hash, two spaces, the path. */
  private static final Pattern SHA256SUM = Pattern.compile("^([0-9a-f]{64})  (.+)$");

  /** The probe records for these services (host/probe.sh), added to {@code m}. */
  public static Manifest records(Manifest m, List<Request> requests) {
    Set<String> known = new TreeSet<>();
    requests.forEach(r -> known.addAll(r.knownImages()));
    known.forEach(id -> m.add(Record.KNOWN, shortId(id)));
    for (Request r : requests) {
      m.add(Record.SERVICE, r.name(), r.compose() ? "1" : "0");
      r.paths().forEach(p -> m.add(Record.FILE, p));
    }
    return m;
  }

  /** The manifest of a probe of these services. */
  public static Manifest manifest(List<Request> requests) {
    return records(new Manifest(HostProgram.Job.PROBE), requests);
  }

  /**
   * Every service hostops installed on the host, found from its records: files, units and containers in
   * one go. This is the per-host drift check; one round trip for the whole host.
   *
   * @param facts     whether the host's facts come first
   * @param knownRuns InvocationID by service name, for services last seen running a container without a
   *                  health check: while the unit still runs that invocation, Docker is not asked again
   *                  (the probe's dearest part) and the container is reported as {@code samecontainer}
   */
  public static Manifest manifestAll(boolean facts, Set<String> knownImages, Map<String, String> knownRuns) {
    Manifest m = new Manifest(HostProgram.Job.PROBE);
    if (facts) {
      m.add(Record.FACTS);
    }
    m.add(Record.ALL);
    new TreeSet<>(knownImages).forEach(id -> m.add(Record.KNOWN, shortId(id)));
    new TreeMap<>(knownRuns).forEach((n, inv) -> m.add(Record.RUN, n, prefix(inv)));
    return m;
  }

  /**
   * Image IDs and InvocationIDs travel as their first 12 hex digits (48 bits): enough to tell the few
   * images and runs of one host apart, and a no-op probe of 10 services fits in well under 1 KB.
   */
  static String shortId(String imageId) {
    return prefix(imageId.startsWith("sha256:") ? imageId.substring(7) : imageId);
  }

  private static String prefix(String hex) {
    return hex.length() > 12 ? hex.substring(0, 12) : hex;
  }

  /** Parses {@link #manifestAll}'s probe: the services are the ones the host reported. */
  public static Map<String, ServiceObservation> parseAll(String output, Map<String, List<String>> knownDigests) {
    return parseAll(output, knownDigests, Map.of());
  }

  /** @param knownContainers the containers last seen, by service name, for services the host reports unchanged */
  public static Map<String, ServiceObservation> parseAll(String output, Map<String, List<String>> knownDigests,
                                                         Map<String, ContainerState> knownContainers) {
    Map<String, List<String>> paths = new LinkedHashMap<>();
    Set<String> compose = new HashSet<>();
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
    paths.forEach((name, p) -> requests.add(new Request(name, p, compose.contains(name), Set.of())));
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
    Set<String> same = new HashSet<>();
    Map<String, String> owners = new HashMap<>();
    Map<String, List<String>> managed = new HashMap<>();
    Map<String, Map<String, FileState>> files = new HashMap<>();
    Map<String, UnitState> units = new HashMap<>();
    Map<String, String[]> containers = new HashMap<>();
    Map<String, String> compose = new HashMap<>();
    Map<String, List<String>> imageDigests = new HashMap<>(knownDigests);
    Map<String, String> unitBlock = new HashMap<>();
    Map<String, Map<String, String>> foreign = new HashMap<>();
    Set<String> unsafe = new HashSet<>();
    Map<String, String> modes = new HashMap<>();
    Map<String, String> hashes = new HashMap<>();
    Map<String, String> dockerErrors = new HashMap<>();
    Map<String, String[]> restarts = new HashMap<>();
    for (String line : output.split("\n")) {
      Matcher hash = SHA256SUM.matcher(line);
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
            Base64.getDecoder().decode(f.length > 3 ? f[3] : ""), StandardCharsets.UTF_8));
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

  private static final Pattern PULL = Pattern.compile(
      "argv\\[]=\\S*/docker pull (\\S+) ;.* status=([0-9]+)");
  private static final Pattern COMPOSE_PULL = Pattern.compile(
      "argv\\[]=\\S*/docker(?:-compose| compose) -p \\S+ -f \\S+ pull ;.* status=([0-9]+)");

  /**
   * One ExecStartPre= of {@code systemctl show}: {@code { path=… ; argv[]=/usr/bin/docker pull IMAGE ; … ;
   * status=1 }}. The image (or "the compose project's images") when it is a pull that failed at the last start.
   */
  static String failedPull(String execStartPre) {
    Matcher m = PULL.matcher(execStartPre);
    if (m.find()) {
      return "0".equals(m.group(2)) ? null : m.group(1);
    }
    m = COMPOSE_PULL.matcher(execStartPre);
    return m.find() && !"0".equals(m.group(1)) ? "the compose project's images" : null;
  }
}
