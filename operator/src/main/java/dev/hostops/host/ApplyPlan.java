package dev.hostops.host;

import dev.hostops.render.HostFile;
import java.util.List;

/**
 * What must change on one host for one service. Computed from the rendered files and a probe by
 * {@link ApplyPlanner}; carried out by {@link HostApplier}.
 *
 * @param name         unit/container name
 * @param owner        namespace/name recorded as owner
 * @param managedFiles every path the service owns after the apply
 * @param writes       files whose content or mode differs
 * @param removals     files hostops wrote earlier that the service no longer has
 * @param daemonReload a unit file changed
 * @param enable       true: enable, false: disable, null: leave as is
 * @param action       what to do with the running service
 * @param refusal      why nothing may be done (a file hostops does not own), or null
 */
public record ApplyPlan(String name, String owner, List<String> managedFiles, List<HostFile> writes,
                        List<String> removals, boolean daemonReload, Boolean enable, Action action, String refusal) {

  public enum Action { NONE, START, RESTART }

  public boolean isNoop() {
    return refusal == null && writes.isEmpty() && removals.isEmpty() && !daemonReload && enable == null
        && action == Action.NONE;
  }

  /** Short, secret-free description for logs and Events. */
  public String describe() {
    if (refusal != null) {
      return "refused: " + refusal;
    }
    StringBuilder b = new StringBuilder();
    if (!writes.isEmpty()) {
      b.append("wrote ").append(String.join(", ", writes.stream().map(HostFile::path).toList())).append("; ");
    }
    if (!removals.isEmpty()) {
      b.append("removed ").append(String.join(", ", removals)).append("; ");
    }
    if (enable != null) {
      b.append(enable ? "enabled" : "disabled").append("; ");
    }
    if (action != Action.NONE) {
      b.append(action == Action.START ? "started" : "restarted").append(' ').append(name).append(".service; ");
    }
    return b.isEmpty() ? "no change" : b.substring(0, b.length() - 2);
  }
}
