package dev.hostops.render;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;

/**
 * Everything one HostService puts on one host, and how its units are to be driven.
 *
 * @param name         unit and container (or compose project) name on the host
 * @param owner        namespace/name of the HostService, recorded on the host
 * @param files        files to write: units first, then config, env and compose files
 * @param reloadable   paths whose change is applied by a reload (ExecReload) instead of a restart; an entry
 *                     ending in '/' stands for every file in that directory (added or removed keys too)
 * @param readAtPull   paths read only by the next pull (registry credentials): a change needs neither
 *                     restart nor reload
 * @param directories  directories to create first (the service's /root/NAME, the log folder, config folders)
 * @param startOnBoot  the main unit is enabled
 * @param scheduled    a timer starts the service; hostops keeps the timer running, not the service
 * @param suspended    stopped and disabled; files kept
 * @param compose      the service is a compose project
 * @param adopt        take over files of the same name that hostops did not write
 * @param pulls        the image pulls each start of the service runs ({@code ExecStartPre}), as words
 * @param replaces     a hand-written unit (file name) this service replaces (spec.replaces), or null
 */
public record RenderedService(String name, String owner, List<HostFile> files, List<String> reloadable,
                              List<String> readAtPull, List<HostDirectory> directories, boolean startOnBoot, boolean scheduled, boolean suspended,
                              boolean compose, boolean adopt, List<List<String>> pulls, String replaces) {

  public RenderedService(String name, String owner, List<HostFile> files, List<String> reloadable,
                         List<String> readAtPull, List<HostDirectory> directories, boolean startOnBoot,
                         boolean scheduled, boolean suspended, boolean compose, boolean adopt, List<List<String>> pulls) {
    this(name, owner, files, reloadable, readAtPull, directories, startOnBoot, scheduled, suspended, compose, adopt,
        pulls, null);
  }

  /** The path of the unit this service replaces, or null. */
  public String replacedPath() {
    return replaces == null ? null : ServiceLayout.UNIT_DIR + "/" + replaces;
  }

  /** What a change of this file (written or removed) asks of the running service. */
  public enum Effect { RESTART, RELOAD, NONE }

  public Effect effectOf(String path) {
    if (readAtPull.contains(path)) {
      return Effect.NONE;
    }
    if (reloadable.contains(path)
        || reloadable.stream().anyMatch(r -> r.endsWith("/") && path.startsWith(r) && path.indexOf('/', r.length()) < 0)) {
      return Effect.RELOAD;
    }
    return Effect.RESTART;
  }

  public String unitName() {
    return name + ".service";
  }

  public String timerName() {
    return name + ".timer";
  }

  /** Hash over every file's path, mode and content: the "applied hash" shown in status. */
  public String hash() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    files.stream().sorted(Comparator.comparing(HostFile::path)).forEach(f -> all.writeBytes(
        (f.path() + "\0" + f.mode() + "\0" + f.sha256() + "\n").getBytes(StandardCharsets.UTF_8)));
    return HostFile.sha256(all.toByteArray()).substring(0, 16);
  }
}
