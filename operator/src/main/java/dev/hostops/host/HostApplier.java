package dev.hostops.host;

import static dev.hostops.render.ShellQuoting.quote;

import dev.hostops.render.HostFile;
import java.util.Base64;
import java.util.List;

/**
 * Turns plans into one shell script: ownership record first, then each file written to a temp
 * file beside its target and renamed over it (never a half-written unit), one daemon-reload,
 * enable/disable, start/restart; then it waits briefly for the units to settle and appends the
 * probe's output, so an apply and the status it leads to cost one round trip.
 */
public final class HostApplier {
  private static final int SETTLE_TENTHS = 150;

  private HostApplier() {}

  public static String script(List<ApplyPlan> plans, List<HostProbe.Request> probeAfter) {
    StringBuilder s = new StringBuilder();
    s.append("set -e\numask 022\nS=").append(HostProbe.STATE_DIR).append('\n');
    s.append("""
        hostops_write() {
          d=$(dirname "$1"); mkdir -p "$d"
          t=$(mktemp "$d/.hostops.XXXXXX")
          chmod "$2" "$t"
          base64 -d > "$t"
          mv -f "$t" "$1"
        }
        """);
    boolean reload = false;
    for (ApplyPlan p : plans) {
      String dir = "\"$S\"/" + quote(p.name());
      s.append("mkdir -p ").append(dir).append('\n');
      s.append("printf '%s\\n' ").append(quote(p.owner())).append(" > ").append(dir).append("/owner.new && mv -f ")
          .append(dir).append("/owner.new ").append(dir).append("/owner\n");
      s.append("printf '%s\\n'");
      p.managedFiles().forEach(f -> s.append(' ').append(quote(f)));
      s.append(" > ").append(dir).append("/files.new && mv -f ").append(dir).append("/files.new ").append(dir)
          .append("/files\n");
      for (HostFile f : p.writes()) {
        s.append("hostops_write ").append(quote(f.path())).append(' ').append(quote(f.mode()))
            .append(" <<'HOSTOPS_EOF'\n")
            .append(Base64.getMimeEncoder().encodeToString(f.content()).replace("\r\n", "\n"))
            .append("\nHOSTOPS_EOF\n");
      }
      for (String r : p.removals()) {
        s.append("rm -f ").append(quote(r)).append('\n');
      }
      reload |= p.daemonReload();
    }
    if (reload) {
      s.append("systemctl daemon-reload\n");
    }
    StringBuilder settle = new StringBuilder();
    for (ApplyPlan p : plans) {
      String unit = quote(p.name() + ".service");
      if (p.enable() != null) {
        s.append("systemctl ").append(p.enable() ? "enable" : "disable").append(" --quiet ").append(unit).append('\n');
      }
      switch (p.action()) {
        case START -> s.append("systemctl start --no-block ").append(unit).append('\n');
        case RESTART -> s.append("systemctl restart --no-block ").append(unit).append('\n');
        case NONE -> { }
      }
      if (p.action() != ApplyPlan.Action.NONE) {
        settle.append(' ').append(quote(p.name()));
      }
    }
    s.append("set +e\n");
    if (!settle.isEmpty()) {
      // Wait (at most 15 s) until each started unit is active with its container running, or has failed.
      s.append("for n in").append(settle).append("; do\n")
          .append("  i=0\n")
          .append("  while [ $i -lt ").append(SETTLE_TENTHS / 2).append(" ]; do\n")
          .append("""
                  st=$(systemctl show -p ActiveState --value "$n.service")
                  case "$st" in
                    active) [ "$(docker inspect -f '{{.State.Running}}' "$n" 2>/dev/null)" = true ] && break ;;
                    activating|deactivating|reloading) ;;
                    *) [ $i -gt 5 ] && break ;;
                  esac
                  sleep 0.2; i=$((i+1))
                done
              done
            """);
    }
    s.append(HostProbe.script(probeAfter));
    return s.toString();
  }

  /** Stops, disables and removes a service: only when the host's record says this owner wrote it. */
  public static String removalScript(String name, String owner, List<String> knownFiles) {
    String dir = "\"$S\"/" + quote(name);
    String unit = quote(name + ".service");
    StringBuilder s = new StringBuilder();
    s.append("S=").append(HostProbe.STATE_DIR).append('\n');
    s.append("if [ ! -f ").append(dir).append("/owner ]; then echo absent; exit 0; fi\n");
    s.append("if [ \"$(head -n1 ").append(dir).append("/owner)\" != ").append(quote(owner))
        .append(" ]; then echo 'owned by another resource'; exit 0; fi\n");
    s.append("systemctl disable --now --quiet ").append(unit).append(" 2>/dev/null\n");
    s.append("docker rm -f ").append(quote(name)).append(" >/dev/null 2>&1\n");
    s.append("while IFS= read -r p; do rm -f \"$p\"; done < ").append(dir).append("/files\n");
    for (String f : knownFiles) {
      s.append("rm -f ").append(quote(f)).append('\n');
    }
    s.append("rm -rf ").append(dir).append('\n');
    s.append("systemctl daemon-reload\n");
    s.append("systemctl reset-failed ").append(unit).append(" 2>/dev/null\n");
    s.append("echo removed\n");
    return s.toString();
  }
}
