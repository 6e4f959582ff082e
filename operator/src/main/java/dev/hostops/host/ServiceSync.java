package dev.hostops.host;

import dev.hostops.registry.TagLookup;
import dev.hostops.render.HostFile;
import dev.hostops.render.RenderedService;
import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.unit.UnitEquivalence;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Brings one service on one host to its rendered state: probe, plan, apply only the difference.
 * A host where nothing differs costs one round trip and changes nothing.
 */
public final class ServiceSync {
  private final Duration timeout;
  /** Repo digests by image ID, per host: an image ID names fixed content, so its digests do not change. */
  private final ConcurrentHashMap<String, Map<String, List<String>>> digests =
      new ConcurrentHashMap<>();
  /** Per host: the containers seen running, by service, with the run of their unit (see HostProbe.manifestAll). */
  private final ConcurrentHashMap<String, Map<String, Run>> runs =
      new ConcurrentHashMap<>();

  public ServiceSync(Duration timeout) {
    this.timeout = timeout;
  }

  /**
   * @param plan       what was (or, when refused, would have been) done
   * @param seen       the service as seen after the apply
   * @param roundTrips SSH round trips used
   */
  public record Result(ApplyPlan plan, ServiceObservation seen, int roundTrips) {}

  public Result sync(HostConnection host, RenderedService desired) throws HostException {
    ServiceObservation before = probe(host, desired);
    ApplyPlan plan = ApplyPlanner.plan(desired, before);
    if (plan.isNoop() || plan.refusal() != null) {
      return new Result(plan, before, 1);
    }
    return new Result(plan, apply(host, desired, plan), 2);
  }

  /** What one round trip learned: its whole output (the facts, when asked for) and every service on the host. */
  public record HostSnapshot(String output, Map<String, ServiceObservation> services) {}

  /**
   * One round trip: the host's facts (when {@code facts}; see {@link HostFacts}) and then every service
   * hostops installed on the host.
   */
  public HostSnapshot snapshot(HostConnection host, boolean facts) throws HostUnreachableException {
    Map<String, Run> runs = runs(host);
    Map<String, String> invocations = new HashMap<>();
    Map<String, ServiceObservation.ContainerState> containers = new HashMap<>();
    runs.forEach((name, run) -> {
      invocations.put(name, run.invocationId());
      containers.put(name, run.container());
    });
    ExecResult r = host.run(HostProgram.Job.PROBE, HostProbe.manifestAll(facts, known(host).keySet(), invocations),
        timeout);
    return new HostSnapshot(r.stdout(), remember(host, HostProbe.parseAll(r.stdout(), known(host), containers)));
  }

  /** One round trip: how each of the services looks on the host now, by name. */
  public Map<String, ServiceObservation> probeAll(HostConnection host, List<RenderedService> desired)
      throws HostUnreachableException {
    List<HostProbe.Request> requests = desired.stream().map(d -> request(host, d)).toList();
    ExecResult r = host.run(HostProgram.Job.PROBE, HostProbe.manifest(requests), timeout);
    return remember(host, HostProbe.parse(requests, r.stdout(), known(host)));
  }

  /** One round trip: how the service looks on the host now. */
  public ServiceObservation probe(HostConnection host, RenderedService desired) throws HostUnreachableException {
    ServiceObservation seen = probe(host, List.of(request(host, desired))).get(0);
    String foreign = seen.owner() == null && desired.adopt() ? seen.foreignUnits().get(desired.files().get(0).path())
        : null;
    if (foreign == null) {
      return seen;
    }
    // adopting a hand-written unit: its env files are compared by content, so one more look (once per adopt)
    List<String> paths = new ArrayList<>(request(host, desired).paths());
    int asked = paths.size();
    UnitEquivalence.envFiles(desired.unitName(), foreign).stream()
        .filter(p -> !paths.contains(p)).forEach(paths::add);
    if (paths.size() == asked) {
      return seen;
    }
    return probe(host, List.of(new HostProbe.Request(desired.name(), paths, desired.compose(), known(host).keySet())))
        .get(0);
  }

  /** One round trip: carries out the plan and returns how the service looks afterwards. */
  public ServiceObservation apply(HostConnection host, RenderedService desired, ApplyPlan plan)
      throws HostException {
    List<HostProbe.Request> probe = List.of(request(host, desired));
    ExecResult r = host.run(HostProgram.Job.APPLY, HostApplier.manifest(List.of(plan), probe), timeout);
    if (!r.ok()) {
      throw new ApplyFailedException("applying " + desired.name() + " on " + host.target().address()
          + " failed: " + lastLine(r.stderr()));
    }
    return remember(host, HostProbe.parse(probe, r.stdout(), known(host))).get(desired.name());
  }

  /**
   * One round trip for several services' plans (see {@link ApplyQueue}): one script, one daemon-reload,
   * units started in parallel, one settle wait; returns each service as seen afterwards, by name.
   */
  public Map<String, ServiceObservation> applyAll(HostConnection host, Map<RenderedService, ApplyPlan> plans)
      throws HostException {
    if (plans.size() == 1) {
      var only = plans.entrySet().iterator().next();
      return Map.of(only.getKey().name(), apply(host, only.getKey(), only.getValue()));
    }
    List<HostProbe.Request> probe = plans.keySet().stream().map(d -> request(host, d)).toList();
    ExecResult r = host.run(HostProgram.Job.APPLY, HostApplier.manifest(List.copyOf(plans.values()), probe),
        timeout);
    if (!r.ok()) {
      throw new ApplyFailedException("applying " + plans.keySet().stream().map(RenderedService::name).toList()
          + " on " + host.target().address() + " failed: " + lastLine(r.stderr()));
    }
    return remember(host, HostProbe.parse(probe, r.stdout(), known(host)));
  }

  public List<ServiceObservation> probe(HostConnection host, List<HostProbe.Request> requests)
      throws HostUnreachableException {
    ExecResult r = host.run(HostProgram.Job.PROBE, HostProbe.manifest(requests), timeout);
    return List.copyOf(remember(host, HostProbe.parse(requests, r.stdout(), known(host))).values());
  }

  /**
   * The digest the host's Docker gets for a tag (it pulls it, with the service's own credentials when it has
   * them): the repo digest of the image's repository, or why there is none, in Docker's words.
   */
  public TagLookup.Answer pullDigest(HostConnection host, String name, String image)
      throws HostUnreachableException {
    ExecResult r = host.run(HostProgram.Job.PULL, new Manifest(HostProgram.Job.PULL).add(Record.PULL, name, image), timeout);
    Instant now = Instant.now();
    String where = "looking up " + image + " on " + host.target().display() + ": ";
    if (!r.ok()) {
      return new TagLookup.Answer(null, where + lastLine(r.stderr()), now);
    }
    String repo = image.replaceFirst("@.*$", "").replaceFirst(":[^:/]+$", "");
    for (String line : r.stdout().lines().toList()) {
      String[] f = line.split("\t", 2);
      if (f.length == 2 && f[0].equals("failed")) {
        return new TagLookup.Answer(null, where + f[1], now);
      }
      if (f.length == 2 && f[0].equals("digest") && f[1].startsWith(repo + "@")) {
        return new TagLookup.Answer(f[1].substring(f[1].indexOf('@') + 1), null, now);
      }
    }
    return new TagLookup.Answer(null, where + "Docker gave no digest of " + repo, now);
  }

  /** Removes the service from the host; true when something was removed. */
  public boolean remove(HostConnection host, String name, String owner) throws HostException {
    ExecResult r = host.run(HostProgram.Job.REMOVE, HostApplier.removal(name, owner), timeout);
    if (!r.ok()) {
      throw new ApplyFailedException("removing " + name + " from " + host.target().address() + " failed: "
          + lastLine(r.stderr()));
    }
    return r.stdout().strip().equals("removed");
  }

  private HostProbe.Request request(HostConnection host, RenderedService desired) {
    List<String> paths = new ArrayList<>(desired.files().stream().map(HostFile::path).toList());
    if (desired.replacedPath() != null) {
      // the hand-written unit it replaces: whether it is still there, and what it runs
      paths.add(desired.replacedPath());
    }
    return new HostProbe.Request(desired.name(), List.copyOf(paths), desired.compose(), known(host).keySet());
  }

  private Map<String, List<String>> known(HostConnection host) {
    return digests.getOrDefault(host.target().display(), Map.of());
  }

  /** A container seen running under one run of its unit. */
  private record Run(String invocationId, ServiceObservation.ContainerState container) {}

  private Map<String, Run> runs(HostConnection host) {
    return runs.getOrDefault(host.target().display(), Map.of());
  }

  private Map<String, ServiceObservation> remember(HostConnection host, Map<String, ServiceObservation> seen) {
    Map<String, List<String>> cache = digests.computeIfAbsent(host.target().display(),
        k -> new ConcurrentHashMap<>());
    Map<String, Run> running = runs.computeIfAbsent(host.target().display(),
        k -> new ConcurrentHashMap<>());
    seen.values().forEach(o -> {
      if (o.container().imageId() != null && !o.container().repoDigests().isEmpty()) {
        cache.put(o.container().imageId(), o.container().repoDigests());
      }
      // only a plain container (no health check, whose status can change under the same run) is remembered
      boolean plain = o.container().total() == 1 && o.container().isRunning() && o.container().imageId() != null
          && (o.container().health() == null || o.container().health().isEmpty());
      if (plain && o.unit().isActive() && "running".equals(o.unit().subState()) && !o.unit().invocationId().isEmpty()) {
        running.put(o.name(), new Run(o.unit().invocationId(), o.container()));
      } else {
        running.remove(o.name());
      }
    });
    return seen;
  }

  private static String lastLine(String text) {
    String t = text.strip();
    int nl = t.lastIndexOf('\n');
    return nl < 0 ? t : t.substring(nl + 1);
  }

  /**
   * The host answered, but the apply script failed; the message is the host's last error line. Not a
   * connection problem: the connection stays open and the failure is reported as Error, not Unreachable.
   */
  public static final class ApplyFailedException extends HostException {
    public ApplyFailedException(String message) {
      super(message);
    }
  }
}
