package dev.hostops.host;

import java.util.List;
import java.util.Map;

/**
 * What a probe saw of one service on a host.
 *
 * @param name         unit/container name
 * @param owner        namespace/name recorded by hostops on the host, or null when none
 * @param managedFiles files hostops recorded as written for this service
 * @param files        state of each file asked about (absent files map to {@link FileState#ABSENT})
 * @param unit         systemd view of the unit
 * @param container    Docker view of the container
 */
public record ServiceObservation(String name, String owner, List<String> managedFiles, Map<String, FileState> files,
                                 UnitState unit, ContainerState container) {

  /** A file on the host: octal mode and SHA-256, or absent, or something that is not a regular file. */
  public record FileState(String mode, String sha256) {
    public static final FileState ABSENT = new FileState(null, null);
    public static final FileState NOT_A_FILE = new FileState("other", null);

    public boolean exists() {
      return mode != null;
    }
  }

  /** systemd's view: LoadState, ActiveState, SubState, UnitFileState. */
  public record UnitState(String loadState, String activeState, String subState, String unitFileState) {
    public static final UnitState UNKNOWN = new UnitState("not-found", "inactive", "dead", "");

    public boolean isActive() {
      return "active".equals(activeState);
    }

    public boolean isEnabled() {
      return "enabled".equals(unitFileState);
    }

    public String summary() {
      return activeState + "/" + subState;
    }
  }

  /** Docker's view of the container; status "absent" when there is none. */
  public record ContainerState(String status, String startedAt, String imageId, List<String> repoDigests) {
    public static final ContainerState ABSENT = new ContainerState("absent", null, null, List.of());

    public boolean isRunning() {
      return "running".equals(status);
    }
  }
}
