package dev.hostops.host;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Writes a host's log agent config and tells the agent to reload (host/logagent.sh): SIGHUP to its
 * container, when it runs. The file is rewritten in place, keeping its inode, because agents mount it
 * as a single file and are reloaded, not restarted.
 */
public final class LogAgentApply {
  private LogAgentApply() {}

  public static Manifest manifest(String path, String content, String container) {
    return new Manifest(HostProgram.Job.LOGAGENT).addWithContent(Record.CONFIG, List.of(path, container), content.getBytes(StandardCharsets.UTF_8));
  }
}
