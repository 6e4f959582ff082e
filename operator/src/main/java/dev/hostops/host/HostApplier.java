package dev.hostops.host;

import dev.hostops.render.HostDirectory;
import dev.hostops.render.HostFile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Turns plans into the manifest of one apply (host/apply.sh carries it out, record by record): stop and
 * disable first, then the ownership record, each file written to a temp file beside its target and
 * renamed over it (never a half-written unit), one enable, daemon-reload, start/restart/reload; then the
 * host waits briefly for started services to settle and probes them, so an apply and the status it
 * leads to cost one round trip.
 */
public final class HostApplier {
  /** How long units wait for the pulls begun early: 60 × 0.05 s ≈ 3 s; a longer download goes on beside them. */
  private static final int PULL_WAIT_ROUNDS = 60;

  private HostApplier() {}

  /** An image kept for autoRevert: a record written after the restarts it follows. */
  private record Kept(Record kind, List<String> values) {}

  public static Manifest manifest(List<ApplyPlan> plans, List<HostProbe.Request> probeAfter) {
    Manifest m = new Manifest(HostProgram.Job.APPLY);
    for (ApplyPlan p : plans) {
      p.stop().forEach(u -> m.add(Record.STOP, u));
      p.disable().forEach(u -> m.add(Record.DISABLE, u));
    }
    boolean reload = false;
    Map<List<String>, Integer> pulling = new LinkedHashMap<>();
    for (ApplyPlan p : plans) {
      for (HostDirectory dir : p.directories()) {
        m.add(Record.DIR, dir.path(), dir.mode() == null ? "" : dir.mode());
      }
      String unit = p.name() + ".service";
      if (p.restart().contains(unit) || p.stop().contains(unit)) {
        m.add(Record.CANCEL, p.name());
      }
      m.add(Record.OWNER, p.name(), p.owner());
      List<String> files = new ArrayList<>(List.of(p.name()));
      files.addAll(p.managedFiles());
      m.add(Record.FILES, files);
      for (HostFile f : p.writes()) {
        m.addWithContent(Record.WRITE, List.of(f.path(), f.mode(), String.valueOf(f.content().length), umask(f.mode()),
            f.inPlace() ? "in-place" : "replace"), f.content());
      }
      List<String> kept = p.directories().stream().map(HostDirectory::path).toList();
      for (String r : p.removals()) {
        m.add(Record.REMOVE, r);
        String parent = r.substring(0, r.lastIndexOf('/'));
        if (parent.startsWith("/root/" + p.name() + "/") && !kept.contains(parent)) {
          // a config directory the service no longer has: gone once its last file is
          m.add(Record.RMDIR, parent);
        }
      }
      reload |= p.daemonReload();
      for (List<String> pull : p.pulls()) {
        if (!pulling.containsKey(pull)) {
          pulling.put(pull, pulling.size() + 1);
          List<String> words = new ArrayList<>(List.of(String.valueOf(pulling.size())));
          words.addAll(pull);
          m.add(Record.PULL, words);
        }
      }
    }
    // Enabling and disabling only link files; systemd's own view of a loaded unit's enablement
    // (UnitFileState, which the probe reads) follows at the next daemon-reload, so there is one
    // after them: without it a probe can report an enabled unit as disabled, and the next plan is wrong.
    List<String> enabling = plans.stream().flatMap(p -> p.enable().stream()).toList();
    if (!enabling.isEmpty()) {
      m.add(Record.ENABLE, enabling);
    }
    if (reload || !enabling.isEmpty() || plans.stream().anyMatch(p -> !p.disable().isEmpty())) {
      m.add(Record.DAEMON_RELOAD);
    }
    // every plan's units in one systemctl call each: one process instead of one per unit
    List<String> start = new ArrayList<>();
    List<String> restart = new ArrayList<>();
    List<String> reloads = new ArrayList<>();
    List<String> replaced = new ArrayList<>();
    List<List<String>> updates = new ArrayList<>();
    List<String> settling = new ArrayList<>();
    List<Kept> keep = new ArrayList<>();
    for (ApplyPlan p : plans) {
      start.addAll(p.start());
      if (p.restart().contains(p.name() + ".service")) {
        replaced.add(p.name() + ".service");
      }
      reloads.addAll(p.reload());
      boolean compose = p.managedFiles().stream().anyMatch(f -> f.endsWith("/" + p.name() + "/compose.yaml"));
      if (p.keepImage() != null && !compose && !p.pulls().isEmpty()) {
        // an update of a running container: restarted now if its download is done, else by the host once it is
        List<String> update = new ArrayList<>(List.of(p.name(), p.keepImage(), ApplyPlan.previousTag(p.name())));
        p.pulls().forEach(pull -> update.add(String.valueOf(pulling.get(pull))));
        updates.add(update);
        p.restart().stream().filter(u -> !u.equals(p.name() + ".service")).forEach(restart::add);
        keep.add(new Kept(Record.KEEP_UPDATED, List.of(p.name(), p.keepImage(), ApplyPlan.previousTag(p.name()))));
        continue;
      }
      restart.addAll(p.restart());
      if (p.restartsService()) {
        settling.add(p.name());
        settling.add(compose ? "0" : "1");
        if (p.keepImage() != null && !compose) {
          keep.add(new Kept(Record.KEEP, List.of(p.name(), p.keepImage(), ApplyPlan.previousTag(p.name()))));
        }
      }
    }
    if (!pulling.isEmpty() && !(start.isEmpty() && restart.isEmpty() && updates.isEmpty())) {
      m.add(Record.AWAIT_PULLS, String.valueOf(PULL_WAIT_ROUNDS));
    }
    if (!replaced.isEmpty()) {
      // the runs a restart replaces, by InvocationID: until a unit shows another one, its restart has not begun
      m.add(Record.OLDS, replaced);
    }
    updates.forEach(u -> m.add(Record.UPDATE, u));
    if (!start.isEmpty()) {
      m.add(Record.START, start);
    }
    // the updates whose download is done join the restarts, in the same systemctl call
    if (!restart.isEmpty() || !updates.isEmpty()) {
      m.add(Record.RESTART, restart);
    }
    reloads.forEach(u -> m.add(Record.RELOAD, u));
    plans.stream().filter(p -> !p.isNoop() && p.refusal() == null).forEach(p -> m.add(Record.AUDIT, Audit.applied(p)));
    m.add(Record.TOLERATE_ERRORS);
    if (!settling.isEmpty() || !updates.isEmpty()) {
      m.add(Record.SETTLE, settling);
    }
    keep.forEach(k -> m.add(k.kind(), k.values()));
    // hand-written units these services replace: gone once the service runs (apply.sh checks)
    plans.stream().filter(p -> p.retire() != null)
        .forEach(p -> m.add(Record.RETIRE, List.of(p.retire().get(0), p.name(), p.retire().get(1))));
    return HostProbe.records(m, probeAfter);
  }

  /** The umask that creates a file with {@code mode}, or "-" when the mode has execute (or special) bits. */
  static String umask(String mode) {
    int m = Integer.parseInt(mode, 8);
    return (m & ~0666) == 0 ? Integer.toOctalString(~m & 0777) : "-";
  }

  /** Stops, disables and removes a service (host/remove.sh): only when the host's record says this owner wrote it. */
  public static Manifest removal(String name, String owner) {
    return new Manifest(HostProgram.Job.REMOVE).add(Record.REMOVE, name, owner).add(Record.AUDIT, Audit.removed(name, owner));
  }
}
