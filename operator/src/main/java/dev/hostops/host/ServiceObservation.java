package dev.hostops.host;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What a probe saw of one service on a host.
 *
 * @param name         unit/container name
 * @param owner        namespace/name recorded by hostops on the host, or null when none
 * @param managedFiles files hostops recorded as written for this service
 * @param files        state of each file asked about (absent files map to {@link FileState#ABSENT})
 * @param unit         systemd view of NAME.service
 * @param timer        systemd view of NAME.timer ({@link UnitState#UNKNOWN} when there is none)
 * @param container    Docker view of the container (for compose: of the project's containers)
 * @param unsafeDir    /root/NAME exists but is not a plain directory (e.g. a symlink): nothing is written
 * @param foreignUnits content of unit files found without an ownership record (hand-written), by path
 * @param dockerError  for a failed or restarting unit, the last "Error response from daemon" of its last run
 *                     (a refused pull, say), or null
 * @param restart      a restart an apply left to the host: {@link Restart#PULLING} while it waits for its download,
 *                     {@link Restart#LOST} when it was ended before restarting the unit (killed, say); or null
 */
public record ServiceObservation(String name, String owner, List<String> managedFiles, Map<String, FileState> files,
                                 UnitState unit, UnitState timer, ContainerState container, boolean unsafeDir,
                                 Map<String, String> foreignUnits, String dockerError, Restart restart) {

  /**
   * An update whose new image was still downloading when the apply ended: the host restarts the unit once the
   * download is done, and the old container serves until then.
   */
  public enum Restart { PULLING, LOST }

  public ServiceObservation(String name, String owner, List<String> managedFiles, Map<String, FileState> files,
                            UnitState unit, UnitState timer, ContainerState container, boolean unsafeDir,
                            Map<String, String> foreignUnits, String dockerError) {
    this(name, owner, managedFiles, files, unit, timer, container, unsafeDir, foreignUnits, dockerError, null);
  }

  public ServiceObservation(String name, String owner, List<String> managedFiles, Map<String, FileState> files,
                            UnitState unit, UnitState timer, ContainerState container, boolean unsafeDir) {
    this(name, owner, managedFiles, files, unit, timer, container, unsafeDir, Map.of(), null);
  }

  /** The Docker error in words for status, saying plainly when the registry refused the credentials. */
  public String dockerErrorSummary() {
    if (dockerError == null) {
      return null;
    }
    String lower = dockerError.toLowerCase(Locale.ROOT);
    if (lower.contains("unauthorized") || lower.contains("no basic auth credentials")
        || lower.contains("authentication required") || lower.contains("pull access denied")) {
      return "image pull unauthorized: the registry refused the pull (no or wrong credentials; see "
          + "spec.imagePullSecrets); docker said: " + dockerError;
    }
    return "docker said: " + dockerError;
  }

  /** A file on the host: octal mode and SHA-256, or absent, or something that is not a regular file. */
  public record FileState(String mode, String sha256) {
    public static final FileState ABSENT = new FileState(null, null);
    public static final FileState NOT_A_FILE = new FileState("other", null);

    public boolean exists() {
      return mode != null;
    }
  }

  /**
   * systemd's view of a unit.
   *
   * @param result        Result= of the last run (success, exit-code, …)
   * @param exitStatus    ExecMainStatus= of the last run
   * @param lastExit      ExecMainExitTimestamp= (service) or LastTriggerUSec= (timer)
   * @param nextElapse    NextElapseUSecRealtime= (timers)
   * @param failedPull    the image whose {@code docker pull} failed at the unit's last start (it then started on
   *                      the image the host had, if any), or null
   * @param invocationId  systemd's InvocationID of the unit's current run ("" when none): a unit that runs
   *                      with the same one as before still runs the same {@code docker run}, so the same container
   */
  public record UnitState(String loadState, String activeState, String subState, String unitFileState,
                          String result, String exitStatus, String lastExit, String nextElapse, String failedPull,
                          String invocationId) {
    public static final UnitState UNKNOWN = new UnitState("not-found", "inactive", "dead", "", "", "", "", "");

    public UnitState(String loadState, String activeState, String subState, String unitFileState, String result,
                     String exitStatus, String lastExit, String nextElapse, String failedPull) {
      this(loadState, activeState, subState, unitFileState, result, exitStatus, lastExit, nextElapse, failedPull, "");
    }

    public UnitState(String loadState, String activeState, String subState, String unitFileState, String result,
                     String exitStatus, String lastExit, String nextElapse) {
      this(loadState, activeState, subState, unitFileState, result, exitStatus, lastExit, nextElapse, null);
    }

    public boolean isActive() {
      return "active".equals(activeState);
    }

    public boolean isEnabled() {
      return "enabled".equals(unitFileState);
    }

    public boolean isStartingOrStopping() {
      return List.of("activating", "deactivating", "reloading").contains(activeState);
    }

    public String summary() {
      return activeState + "/" + subState;
    }
  }

  /**
   * Docker's view of the container; status "absent" when there is none. For a compose project,
   * status is "running" when all its containers run, and {@code running}/{@code total} count them.
   */
  public record ContainerState(String status, String startedAt, String imageId, List<String> repoDigests,
                               String health, int running, int total) {
    public static final ContainerState ABSENT = new ContainerState("absent", null, null, List.of(), "", 0, 0);

    public boolean isRunning() {
      return "running".equals(status);
    }
  }
}
