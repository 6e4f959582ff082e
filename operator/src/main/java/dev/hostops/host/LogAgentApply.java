package dev.hostops.host;

import static dev.hostops.render.ShellQuoting.quote;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Writes a host's log agent config and tells the agent to reload (SIGHUP to its container, when it
 * runs). The file is rewritten in place, keeping its inode, because agents mount it as a single
 * file and are reloaded, not restarted.
 */
public final class LogAgentApply {
  private LogAgentApply() {}

  public static String script(String path, String content, String container) {
    String dir = path.substring(0, path.lastIndexOf('/'));
    return "set -e\n"
        + "mkdir -p /var/lib/hostops " + quote(dir) + "\n"
        + "if [ -L " + quote(path) + " ]; then echo " + quote(path + " is a symlink; refusing") + " >&2; exit 3; fi\n"
        // temp files an interrupted apply left behind (hostops' own name pattern, this directory only)
        + "for t in " + quote(dir) + "/.hostops.??????; do if [ -f \"$t\" ] && [ ! -L \"$t\" ]; then rm -f -- \"$t\"; fi; done\n"
        + "t=$(mktemp " + quote(dir + "/.hostops.XXXXXX") + ")\n"
        + "base64 -d > \"$t\" <<'HOSTOPS_EOF'\n"
        + Base64.getMimeEncoder().encodeToString(content.getBytes(StandardCharsets.UTF_8)).replace("\r\n", "\n")
        + "\nHOSTOPS_EOF\n"
        + "if [ -f " + quote(path) + " ]; then cat <\"$t\" >" + quote(path) + "; rm -f \"$t\"; else chmod 644 \"$t\"; mv \"$t\" "
        + quote(path) + "; fi\n"
        // a host that switched format (promtail <-> alloy) loses the config hostops wrote for the old one
        + "old=$(cat /var/lib/hostops/logagent 2>/dev/null || true)\n"
        + "if [ -n \"$old\" ] && [ \"$old\" != " + quote(path) + " ]; then rm -f \"$old\"; fi\n"
        + "echo " + quote(path) + " > /var/lib/hostops/logagent\n"
        + "if [ \"$(docker inspect -f '{{.State.Running}}' " + quote(container) + " 2>/dev/null)\" = true ]; then\n"
        + "  docker kill --signal HUP " + quote(container) + " >/dev/null && echo reloaded\n"
        + "fi\n";
  }
}
