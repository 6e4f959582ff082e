package dev.hostops.host;

import dev.hostops.host.ApplyPlan.Action;
import dev.hostops.host.ServiceObservation.FileState;
import dev.hostops.render.HostFile;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import java.util.ArrayList;
import java.util.List;

/** Compares what a service should be on a host with what the probe saw. Pure. */
public final class ApplyPlanner {
  private ApplyPlanner() {}

  public static ApplyPlan plan(RenderedService desired, ServiceObservation seen) {
    List<String> paths = desired.files().stream().map(HostFile::path).toList();
    String refusal = refusal(desired, seen);
    if (refusal != null) {
      return new ApplyPlan(desired.name(), desired.owner(), paths, List.of(), List.of(), false, null, Action.NONE,
          refusal);
    }
    List<HostFile> writes = new ArrayList<>();
    for (HostFile f : desired.files()) {
      FileState state = seen.files().getOrDefault(f.path(), FileState.ABSENT);
      if (!f.mode().equals(state.mode()) || !f.sha256().equals(state.sha256())) {
        writes.add(f);
      }
    }
    List<String> removals = seen.managedFiles().stream().filter(p -> !paths.contains(p)).toList();
    boolean reload = writes.stream().anyMatch(f -> isUnitFile(f.path())) || removals.stream().anyMatch(ApplyPlanner::isUnitFile);
    Boolean enable = null;
    if (desired.startOnBoot() && !seen.unit().isEnabled()) {
      enable = true;
    } else if (!desired.startOnBoot() && seen.unit().isEnabled()) {
      enable = false;
    }
    Action action;
    String active = seen.unit().activeState();
    if (!writes.isEmpty()) {
      action = Action.RESTART;
    } else if (!"active".equals(active) && !"activating".equals(active) && !"reloading".equals(active)) {
      action = Action.START;
    } else {
      action = Action.NONE;
    }
    return new ApplyPlan(desired.name(), desired.owner(), paths, writes, removals, reload, enable, action, null);
  }

  private static String refusal(RenderedService desired, ServiceObservation seen) {
    if (seen.owner() != null && !seen.owner().equals(desired.owner())) {
      return desired.unitName() + " on this host belongs to HostService " + seen.owner();
    }
    if (seen.owner() == null) {
      for (HostFile f : desired.files()) {
        FileState s = seen.files().getOrDefault(f.path(), FileState.ABSENT);
        if (s.exists()) {
          return f.path() + " exists and was not written by hostops; remove it (or let hostops adopt it) first";
        }
      }
    }
    return null;
  }

  static boolean isUnitFile(String path) {
    return path.startsWith(ServiceRenderer.UNIT_DIR + "/");
  }
}
