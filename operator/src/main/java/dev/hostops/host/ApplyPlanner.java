package dev.hostops.host;

import dev.hostops.host.ServiceObservation.FileState;
import dev.hostops.host.ServiceObservation.UnitState;
import dev.hostops.render.HostFile;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceLayout;
import dev.hostops.unit.UnitEquivalence;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Compares what a service should be on a host with what the probe saw. Pure. */
public final class ApplyPlanner {
  private ApplyPlanner() {}

  public static ApplyPlan plan(RenderedService desired, ServiceObservation seen) {
    List<String> paths = desired.files().stream().map(HostFile::path).toList();
    String refusal = refusal(desired, seen);
    if (refusal != null) {
      return ApplyPlan.refused(desired.name(), desired.owner(), paths, refusal);
    }
    List<HostFile> writes = new ArrayList<>();
    for (HostFile f : desired.files()) {
      FileState state = seen.files().getOrDefault(f.path(), FileState.ABSENT);
      if (!f.mode().equals(state.mode()) || !f.sha256().equals(state.sha256())) {
        writes.add(f);
      }
    }
    // the hand-written unit this service replaces, while it is there (see retire below)
    String replaced = desired.replacedPath();
    String oldUnit = replaced == null || desired.suspended() || desired.scheduled() || desired.compose() ? null
        : seen.foreignUnits().get(replaced);
    List<String> removals = seen.managedFiles().stream().filter(p -> !paths.contains(p) && !p.equals(replaced))
        .toList();
    boolean unitsChanged = writes.stream().anyMatch(f -> isUnitFile(f.path()))
        || removals.stream().anyMatch(ApplyPlanner::isUnitFile);

    String service = desired.unitName();
    String timer = desired.timerName();
    UnitState svc = seen.unit();
    UnitState tmr = seen.timer();
    List<String> stop = new ArrayList<>();
    List<String> disable = new ArrayList<>();
    List<String> enable = new ArrayList<>();
    List<String> start = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    List<String> reload = new ArrayList<>();

    if (!desired.scheduled() && (tmr.isActive() || tmr.isEnabled())) {
      // the schedule was removed: the timer goes before its file does
      if (tmr.isActive()) {
        stop.add(timer);
      }
      if (tmr.isEnabled()) {
        disable.add(timer);
      }
    }
    if (desired.suspended()) {
      if (desired.scheduled() && (tmr.isActive() || tmr.isStartingOrStopping())) {
        stop.add(timer);
      }
      if (desired.scheduled() && tmr.isEnabled()) {
        disable.add(timer);
      }
      if (svc.isActive() || svc.isStartingOrStopping()) {
        stop.add(service);
      }
      if (svc.isEnabled()) {
        disable.add(service);
      }
    } else if (desired.scheduled()) {
      if (svc.isEnabled()) {
        disable.add(service);
      }
      if (!tmr.isEnabled()) {
        enable.add(timer);
      }
      if (changes(desired, writes, removals, RenderedService.Effect.RESTART)
          || changes(desired, writes, removals, RenderedService.Effect.RELOAD)) {
        restart.add(timer);
      } else if (!tmr.isActive()) {
        start.add(timer);
      }
    } else {
      // A unit file that is in place but that systemd did not report (it did not answer the probe: a
      // host booting or shutting down) is not enabled or started on that evidence; the next probe says.
      boolean seenBySystemd = !"not-found".equals(svc.loadState()) || unitsChanged;
      if (desired.startOnBoot() && !svc.isEnabled() && seenBySystemd) {
        enable.add(service);
      } else if (!desired.startOnBoot() && svc.isEnabled()) {
        disable.add(service);
      }
      // an adopted unit whose container would be the same is taken over without a restart
      List<String> sameContainer = adoptedInPlace(desired, seen);
      List<HostFile> effective = writes.stream().filter(f -> !sameContainer.contains(f.path())).toList();
      if (changes(desired, effective, removals, RenderedService.Effect.RESTART)) {
        restart.add(service);
      } else if (changes(desired, effective, removals, RenderedService.Effect.RELOAD) && svc.isActive()) {
        reload.add(service);
      } else if (!svc.isActive() && !svc.isStartingOrStopping() && !"failed".equals(svc.activeState())
          && seenBySystemd) {
        // stopped by hand: start it again. A failed unit is left to its restart policy and reported;
        // starting it on every resync would override Restart= and StartLimitBurst=.
        start.add(service);
      }
    }
    // A restart an earlier apply left to the host (its new image was still downloading): one that was lost
    // is done now; one still waiting is replaced by this apply's restart when the files change again (the
    // apply ends the old wait), and otherwise left to finish.
    ServiceObservation.Restart left = seen.restart();
    if (left != null && !desired.scheduled() && !desired.suspended() && !restart.contains(service)
        && (left == ServiceObservation.Restart.LOST || !writes.isEmpty() || !removals.isEmpty())) {
      restart.add(service);
      reload.remove(service);
      start.remove(service);
    }
    List<String> managed = paths;
    List<String> retire = null;
    if (oldUnit != null) {
      // Replacing a hand-written unit (spec.replaces): it is stopped before this service starts, never two
      // containers at once; the host disables and removes it (and its container) once this service runs. Until
      // then it stays listed among the service's files, so every probe of the host sees it and the next apply
      // tries again.
      if (restart.contains(service) || start.contains(service)) {
        stop.add(0, desired.replaces());
      }
      managed = new ArrayList<>(paths);
      managed.add(replaced);
      String container = UnitEquivalence.containerName(desired.replaces(), oldUnit);
      retire = List.of(desired.replaces(), container == null || !container.matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")
          ? "" : container);
    }
    return new ApplyPlan(desired.name(), desired.owner(), managed, desired.directories(), writes, removals,
        unitsChanged, stop, disable, enable, start, restart, reload, null,
        restart.contains(service) && seen.container().imageId() != null && seen.container().total() <= 1
            ? seen.container().imageId() : null,
        restart.contains(service) || start.contains(service) ? desired.pulls() : List.of(), retire);
  }

  /**
   * Adopting a hand-written unit whose running container is the one hostops' unit would start
   * ({@link UnitEquivalence}): the paths whose writes need no restart (the units, and the env files,
   * equal in content to the old ones). Empty otherwise.
   */
  static List<String> adoptedInPlace(RenderedService desired, ServiceObservation seen) {
    if (seen.owner() != null || !desired.adopt() || desired.compose() || !seen.unit().isActive()) {
      return List.of();
    }
    HostFile unit = desired.files().get(0);
    String before = seen.foreignUnits().get(unit.path());
    if (before == null) {
      return List.of();
    }
    Map<String, String> content = new HashMap<>();
    seen.files().forEach((p, s) -> {
      if (s.sha256() != null) {
        content.put(p, s.sha256());
      }
    });
    desired.files().forEach(f -> content.put(f.path(), f.sha256()));
    if (UnitEquivalence.difference(desired.unitName(), before, unit.contentAsText(), content::get).isPresent()) {
      return List.of();
    }
    List<String> quiet = new ArrayList<>(UnitEquivalence.envFiles(desired.unitName(), unit.contentAsText()));
    desired.files().stream().map(HostFile::path).filter(ApplyPlanner::isUnitFile).forEach(quiet::add);
    return quiet;
  }

  private static String refusal(RenderedService desired, ServiceObservation seen) {
    if (seen.unsafeDir()) {
      return "/root/" + desired.name() + " is not a plain directory (a symlink?); hostops writes nothing there";
    }
    String old = desired.replacedPath() == null ? null : seen.foreignUnits().get(desired.replacedPath());
    if (old != null && old.startsWith("# Managed by hostops")) {
      return "spec.replaces: " + desired.replaces() + " was written by hostops for another HostService; hostops "
          + "replaces only units written by hand";
    }
    if (seen.owner() != null && !seen.owner().equals(desired.owner())) {
      return desired.unitName() + " on this host belongs to HostService " + seen.owner();
    }
    if (seen.owner() == null && !desired.adopt()) {
      for (HostFile f : desired.files()) {
        FileState s = seen.files().getOrDefault(f.path(), FileState.ABSENT);
        if (s.exists()) {
          return f.path() + " exists and was not written by hostops; remove it, or set spec.adopt to take it over";
        }
      }
    }
    for (HostFile f : desired.files()) {
      if (seen.files().getOrDefault(f.path(), FileState.ABSENT) == FileState.NOT_A_FILE) {
        return f.path() + " is not a regular file (a symlink or directory?); hostops writes nothing there";
      }
    }
    return null;
  }

  private static boolean changes(RenderedService desired, List<HostFile> writes, List<String> removals,
                                 RenderedService.Effect effect) {
    return writes.stream().anyMatch(f -> desired.effectOf(f.path()) == effect)
        || removals.stream().anyMatch(p -> desired.effectOf(p) == effect);
  }

  static boolean isUnitFile(String path) {
    return path.startsWith(ServiceLayout.UNIT_DIR + "/");
  }
}
