package dev.hostops.host;

import dev.hostops.render.HostDirectory;
import dev.hostops.render.HostFile;
import java.util.ArrayList;
import java.util.List;

/**
 * What must change on one host for one service. Computed from the rendered files and a probe by
 * {@link ApplyPlanner}; carried out by {@link HostApplier} in this order: stop and disable, write
 * and remove files, enable, daemon-reload, then start, restart or reload.
 *
 * @param name         unit/container name
 * @param owner        namespace/name recorded as owner
 * @param managedFiles every path the service owns after the apply
 * @param directories  directories that must exist, with the mode to set (0700 for the service's own)
 * @param writes       files whose content or mode differs
 * @param removals     files hostops wrote earlier that the service no longer has
 * @param daemonReload a unit file changed
 * @param stop         units to stop (before files change)
 * @param disable      units to disable (before files change)
 * @param enable       units to enable
 * @param start        units to start
 * @param restart      units to restart
 * @param reload       units to reload (ExecReload)
 * @param refusal      why nothing may be done (a file hostops does not own), or null
 * @param keepImage    image ID of the container this apply replaces: if the new container runs another
 *                     image, it is tagged {@code hostops.local/previous/NAME:previous} so it stays on the
 *                     host for a rollback; or null
 * @param pulls        the pulls the service's start runs, as words, when this apply starts or restarts it:
 *                     the apply begins them as soon as the service's files are written
 * @param retire       the hand-written unit this service replaces and that unit's container ("" when unknown):
 *                     disabled and stopped, its file and container removed, after the apply once the service
 *                     runs (the apply stops it before it starts the service); or null
 */
public record ApplyPlan(String name, String owner, List<String> managedFiles, List<HostDirectory> directories,
                        List<HostFile> writes, List<String> removals, boolean daemonReload, List<String> stop,
                        List<String> disable, List<String> enable, List<String> start, List<String> restart,
                        List<String> reload, String refusal, String keepImage, List<List<String>> pulls,
                        List<String> retire) {

  public ApplyPlan(String name, String owner, List<String> managedFiles, List<HostDirectory> directories,
                   List<HostFile> writes, List<String> removals, boolean daemonReload, List<String> stop,
                   List<String> disable, List<String> enable, List<String> start, List<String> restart,
                   List<String> reload, String refusal, String keepImage, List<List<String>> pulls) {
    this(name, owner, managedFiles, directories, writes, removals, daemonReload, stop, disable, enable, start,
        restart, reload, refusal, keepImage, pulls, null);
  }

  public ApplyPlan(String name, String owner, List<String> managedFiles, List<HostDirectory> directories,
                   List<HostFile> writes, List<String> removals, boolean daemonReload, List<String> stop,
                   List<String> disable, List<String> enable, List<String> start, List<String> restart,
                   List<String> reload, String refusal, String keepImage) {
    this(name, owner, managedFiles, directories, writes, removals, daemonReload, stop, disable, enable, start,
        restart, reload, refusal, keepImage, List.of());
  }

  public ApplyPlan(String name, String owner, List<String> managedFiles, List<HostDirectory> directories,
                   List<HostFile> writes, List<String> removals, boolean daemonReload, List<String> stop,
                   List<String> disable, List<String> enable, List<String> start, List<String> restart,
                   List<String> reload, String refusal) {
    this(name, owner, managedFiles, directories, writes, removals, daemonReload, stop, disable, enable, start,
        restart, reload, refusal, null);
  }

  /** The tag that keeps the image a service ran before on its host. */
  public static String previousTag(String name) {
    return "hostops.local/previous/" + name + ":previous";
  }

  static ApplyPlan refused(String name, String owner, List<String> managedFiles, String refusal) {
    return new ApplyPlan(name, owner, managedFiles, List.of(), List.of(), List.of(), false, List.of(), List.of(),
        List.of(), List.of(), List.of(), List.of(), refusal);
  }

  public boolean isNoop() {
    return refusal == null && writes.isEmpty() && removals.isEmpty() && !daemonReload && stop.isEmpty()
        && disable.isEmpty() && enable.isEmpty() && start.isEmpty() && restart.isEmpty() && reload.isEmpty()
        && retire == null;
  }

  /** True when the service's running container is replaced (so a rollout must wait for it). */
  public boolean restartsService() {
    return restart.contains(name + ".service") || start.contains(name + ".service");
  }

  /** Short, secret-free description for logs and Events. */
  public String describe() {
    if (refusal != null) {
      return "refused: " + refusal;
    }
    List<String> parts = new ArrayList<>();
    if (!stop.isEmpty()) {
      parts.add("stopped " + String.join(", ", stop));
    }
    if (!disable.isEmpty()) {
      parts.add("disabled " + String.join(", ", disable));
    }
    if (!writes.isEmpty()) {
      parts.add("wrote " + String.join(", ", writes.stream().map(HostFile::path).toList()));
    }
    if (!removals.isEmpty()) {
      parts.add("removed " + String.join(", ", removals));
    }
    if (!enable.isEmpty()) {
      parts.add("enabled " + String.join(", ", enable));
    }
    if (!start.isEmpty()) {
      parts.add("started " + String.join(", ", start));
    }
    if (!restart.isEmpty()) {
      parts.add("restarted " + String.join(", ", restart));
    }
    if (!reload.isEmpty()) {
      parts.add("reloaded " + String.join(", ", reload));
    }
    if (retire != null) {
      parts.add("replacing " + retire.get(0) + " (removed once " + name + " runs)");
    }
    return parts.isEmpty() ? "no change" : String.join("; ", parts);
  }
}
