package dev.hostops.host;

import static dev.hostops.render.ShellQuoting.quote;

import dev.hostops.render.HostDirectory;
import dev.hostops.render.HostFile;
import java.util.Base64;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Turns plans into one shell script: stop and disable first, then the ownership record, each file
 * written to a temp file beside its target and renamed over it (never a half-written unit), one
 * enable, daemon-reload, start/restart/reload; then it waits briefly for started services to
 * settle and appends the probe's output, so an apply and the status it leads to cost one round trip.
 */
public final class HostApplier {
  private static final int SETTLE_ROUNDS = 60; // 60 × (0.2 s + one check of ~40 ms) ≈ 15 s
  /** How long units wait for the pulls begun early: 60 × 0.05 s ≈ 3 s; a longer download goes on beside them. */
  private static final int PULL_WAIT_ROUNDS = 60;

  private HostApplier() {}

  public static String script(List<ApplyPlan> plans, List<HostProbe.Request> probeAfter) {
    StringBuilder s = new StringBuilder();
    s.append("set -e\numask 022\nS=").append(HostProbe.STATE_DIR).append('\n').append(HostProbe.RESTART_ALIVE);
    s.append("""
        hostops_fail() {
          [ -z "$3" ] || rm -f "$3"
          m=$(printf '%%s\\n' "$2" | head -n1); m=${m#*: }
          free=$(df -Pk "$(dirname "$1")" 2>/dev/null | awk 'NR==2 {print $4}')
          echo "writing $1 ($4 bytes) failed: $m${free:+; $free KB free there}; the file on the host is unchanged" >&2
          exit 4
        }
        # PATH MODE SIZE UMASK: the temp file is made by the shell (noclobber: O_EXCL) with the file's mode
        # through the umask, or, for a mode with execute bits (UMASK "-"), chmod-ed; mktemp if the name is taken
        wn=0
        hostops_write() {
          d=${1%%/*}; [ -d "$d" ] || mkdir -p "$d"
          wn=$((wn + 1)); t="$d/.hostops.w$((10000 + wn))"
          u=${4:--}; [ "$u" = - ] || umask "$u"
          set -C
          if command : 2>/dev/null >"$t"; then set +C; umask 022; [ "$u" != - ] || chmod "$2" "$t"
          else
            set +C; umask 022
            t=$(mktemp "$d/.hostops.XXXXXX" 2>&1) || hostops_fail "$1" "$t" "" "$3"
            chmod "$2" "$t"
          fi
          e=$(base64 -d 2>&1 >"$t") || hostops_fail "$1" "$e" "$t" "$3"
          mv -f "$t" "$1"
        }
        hostops_write_in_place() {
          if [ ! -f "$1" ] || [ -L "$1" ]; then hostops_write "$@"; return; fi
          t=$(mktemp "$(dirname "$1")/.hostops.XXXXXX" 2>&1) || hostops_fail "$1" "$t" "" "$3"
          e=$(base64 -d 2>&1 >"$t") || hostops_fail "$1" "$e" "$t" "$3"
          e=$(cat <"$t" 2>&1 >"$1") || hostops_fail "$1" "$e" "$t" "$3"
          chmod "$2" "$1"
          rm -f "$t"
        }
        hostops_keep() {
          new=$(docker inspect -f '{{.Image}}' "$1" 2>/dev/null) || return 0
          [ -z "$new" ] || [ "$new" = "$2" ] || docker tag "$2" "$3" 2>/dev/null || true
        }
        # A pull the service's start will run, begun in the background as soon as its files are written:
        # the download overlaps the rest of the apply, and the old container keeps serving meanwhile.
        # Best effort: the unit's own pull runs anyway, and joins a download still going.
        pulls=""; olds=""; rn=""; ru=""; rs=""
        hostops_pull() {
          k=$1; shift
          "$@" </dev/null >/dev/null 2>&1 &
          pulls="$pulls $!"; eval "pull$k=\\$!"
        }
        # Whether any of these pulls still runs (an ended one is a zombie, or gone)
        hostops_busy() {
          for p in "$@"; do
            if read -r _ _ st _ 2>/dev/null </proc/$p/stat && [ "$st" != Z ]; then return 0; fi
          done
          return 1
        }
        # An update whose new image is still downloading after the wait below: the restart is left to the
        # host (a process of its own that outlives this script), so the old container serves until the
        # download is done. $S/NAME/restart names that process (PID, start time) and the run it replaces;
        # the probe reads it, and a restart whose process was ended before it restarted is redone.
        # Arguments: NAME IMAGE_ID PREVIOUS_TAG PULL_PIDS...
        hostops_defer() {
          n=$1; img=$2; tag=$3; shift 3
          inv=-; for o in $olds; do case $o in "$n="*) inv=${o#*=} ;; esac; done
          (
            set +e; trap '' HUP
            i=0
            for p in "$@"; do while [ $i -lt 4500 ] && hostops_busy "$p"; do sleep 0.2; i=$((i+1)); done; done
            olds="$n=$inv"
            systemctl restart --no-block "$n.service"
            hostops_settle "$n" 1
            hostops_keep "$n" "$img" "$tag"
            rm -f "$S/$n/restart"
          ) </dev/null >/dev/null 2>&1 &
          st=$(cut -d' ' -f22 "/proc/$!/stat" 2>/dev/null) || st=0
          printf '%%s %%s %%s\\n' "$!" "${st:-0}" "$inv" >"$S/$n/restart"
        }
        # Ends a restart left to the host for NAME, if one waits: this apply restarts or stops it itself
        hostops_cancel() {
          [ -f "$S/$1/restart" ] || return 0
          if restart_alive "$S/$1/restart"; then kill "$rp" 2>/dev/null || true; fi
          rm -f "$S/$1/restart"
        }
        # Waits until those pulls ended, at most $1 rounds of 0.05 s. A pull that ended is a zombie or gone.
        hostops_pulled() {
          i=0
          for p in $pulls; do
            while [ $i -lt $1 ] && read -r _ _ st _ 2>/dev/null </proc/$p/stat && [ "$st" != Z ]; do
              sleep 0.05; i=$((i+1))
            done
          done
        }
        # Each unit's state as one line: U ID ACTIVE SUB INVOCATION_ID (- for none)
        hostops_units() {
          systemctl show -p Id,ActiveState,SubState,InvocationID "$@" | awk 'BEGIN {RS=""; FS="\\n"}
            {id=""; a=""; s=""; v="-"
             for (k = 1; k <= NF; k++) { e = index($k, "="); key = substr($k, 1, e - 1); val = substr($k, e + 1)
               if (key == "Id") id = val; else if (key == "ActiveState") a = val
               else if (key == "SubState") s = val; else if (key == "InvocationID" && val != "") v = val }
             print "U", id, a, s, v}'
        }
        # Waits, for all started services together, until each one's new run is up (unit active, and its
        # container running when $2 is 1), has failed, or waits for systemd's restart. Arguments: pairs
        # NAME CHECK_CONTAINER; $olds holds NAME=INVOCATION_ID of the runs a restart replaces.
        # One systemctl and one docker call per round.
        hostops_settle() {
          i=0
          pending=$(printf '%%s\\n' "$@" | awk -v olds="$olds" 'BEGIN {n = split(olds, a, " ")
              for (k = 1; k <= n; k++) { e = index(a[k], "="); o[substr(a[k], 1, e - 1)] = substr(a[k], e + 1) } }
            NR %% 2 == 1 {nm = $0} NR %% 2 == 0 {printf "%%s %%s %%s ", nm, $0, (nm in o) ? o[nm] : "-"}')
          while [ -n "$pending" ] && [ $i -lt %d ]; do
            units=$(printf '%%s\\n' $pending | awk 'NR%%3==1 {printf "%%s.service ", $0}')
            st=$(hostops_units $units)
            # Docker is asked only about units that run: it is busy pulling and starting the others
            active=$(printf '%%s\\n' "$st" | awk '$3 == "active" {n = $2; sub(/[.]service$/, "", n); printf "%%s ", n}')
            run=""
            [ -z "$active" ] || run=$(docker inspect --type container -f 'R {{.Name}} {{.State.Running}}' $active 2>/dev/null)
            pending=$( {
                printf '%%s\\n' $pending | awk 'NR%%3==1 {n=$0} NR%%3==2 {c=$0} NR%%3==0 {print "P", n, c, $0}'
                printf '%%s\\n' "$st" "$run"
              } | awk -v round=$i '
                $1 == "U" {act[$2] = $3; sub_[$2] = $4; inv[$2] = $5}
                $1 == "R" {n = $2; sub(/^\\//, "", n); run[n] = $3}
                $1 == "P" {p[++np] = $2; chk[$2] = $3; old[$2] = $4}
                END {
                  for (k = 1; k <= np; k++) {
                    n = p[k]; u = n ".service"; st = act[u]; done = 0
                    # a restart queued with --no-block: until the new run has begun, "active" is the old one
                    if (old[n] != "-" && inv[u] == old[n]) done = 0
                    else if (st == "active") done = (chk[n] == "0" || run[n] == "true")
                    # the container exited and systemd waits to restart it: as settled as it gets
                    else if (st == "activating") done = (sub_[u] == "auto-restart")
                    else if (st == "deactivating" || st == "reloading") done = 0
                    else done = (round > 10)
                    if (!done) printf "%%s %%s %%s ", n, chk[n], old[n]
                  }
                }')
            [ -z "$pending" ] || sleep 0.2
            i=$((i+1))
          done
        }
        """.formatted(SETTLE_ROUNDS));
    for (ApplyPlan p : plans) {
      for (String u : p.stop()) {
        s.append("systemctl stop ").append(quote(u)).append('\n');
      }
      for (String u : p.disable()) {
        s.append("systemctl disable --quiet --no-reload ").append(quote(u)).append('\n');
      }
    }
    boolean reload = false;
    java.util.Map<List<String>, Integer> pulling = new java.util.LinkedHashMap<>();
    for (ApplyPlan p : plans) {
      String record = "\"$S\"/" + quote(p.name());
      for (HostDirectory dir : p.directories()) {
        String d = dir.path();
        s.append("if [ -L ").append(quote(d)).append(" ]; then echo ").append(quote(d + " is a symlink; refusing"))
            .append(" >&2; exit 3; fi\n");
        s.append("[ -d ").append(quote(d)).append(" ] || mkdir -p ").append(quote(d)).append('\n');
        if (dir.mode() != null) {
          s.append("chmod ").append(quote(dir.mode())).append(' ').append(quote(d)).append('\n');
        }
      }
      s.append("[ -d ").append(record).append(" ] || mkdir -p ").append(record).append('\n');
      String unit = p.name() + ".service";
      if (p.restart().contains(unit) || p.stop().contains(unit)) {
        s.append("hostops_cancel ").append(quote(p.name())).append('\n');
      }
      s.append("printf '%s\\n' ").append(quote(p.owner())).append(" > ").append(record).append("/owner.new && mv -f ")
          .append(record).append("/owner.new ").append(record).append("/owner\n");
      s.append("printf '%s\\n'");
      p.managedFiles().forEach(f -> s.append(' ').append(quote(f)));
      s.append(" > ").append(record).append("/files.new && mv -f ").append(record).append("/files.new ").append(record)
          .append("/files\n");
      for (HostFile f : p.writes()) {
        s.append(f.inPlace() ? "hostops_write_in_place " : "hostops_write ").append(quote(f.path())).append(' ').append(quote(f.mode()))
            .append(' ').append(f.content().length).append(' ').append(umask(f.mode()))
            .append(" <<'HOSTOPS_EOF'\n")
            .append(Base64.getMimeEncoder().encodeToString(f.content()).replace("\r\n", "\n"))
            .append("\nHOSTOPS_EOF\n");
      }
      List<String> kept = p.directories().stream().map(HostDirectory::path).toList();
      for (String r : p.removals()) {
        s.append("rm -f ").append(quote(r)).append('\n');
        String parent = r.substring(0, r.lastIndexOf('/'));
        if (parent.startsWith("/root/" + p.name() + "/") && !kept.contains(parent)) {
          // a config directory the service no longer has: gone once its last file is
          s.append("rmdir ").append(quote(parent)).append(" 2>/dev/null || true\n");
        }
      }
      reload |= p.daemonReload();
      for (List<String> pull : p.pulls()) {
        if (!pulling.containsKey(pull)) {
          pulling.put(pull, pulling.size() + 1);
          s.append("hostops_pull ").append(pulling.size());
          pull.forEach(w -> s.append(' ').append(quote(w)));
          s.append('\n');
        }
      }
    }
    // Enabling and disabling only link files; systemd's own view of a loaded unit's enablement
    // (UnitFileState, which the probe reads) follows at the next daemon-reload, so there is one
    // after them: without it a probe can report an enabled unit as disabled, and the next plan is wrong.
    List<String> enabling = plans.stream().flatMap(p -> p.enable().stream()).toList();
    systemctl(s, "enable --quiet --no-reload", enabling);
    if (reload || !enabling.isEmpty() || plans.stream().anyMatch(p -> !p.disable().isEmpty())) {
      s.append("systemctl daemon-reload\n");
    }
    StringBuilder settling = new StringBuilder();
    StringBuilder keep = new StringBuilder();
    // every plan's units in one systemctl call each: one process instead of one per unit
    List<String> start = new java.util.ArrayList<>();
    List<String> restart = new java.util.ArrayList<>();
    List<String> reloads = new java.util.ArrayList<>();
    List<String> replaced = new java.util.ArrayList<>();
    StringBuilder defer = new StringBuilder();
    for (ApplyPlan p : plans) {
      start.addAll(p.start());
      if (p.restart().contains(p.name() + ".service")) {
        replaced.add(p.name() + ".service");
      }
      reloads.addAll(p.reload());
      boolean compose = p.managedFiles().stream().anyMatch(f -> f.endsWith("/" + p.name() + "/compose.yaml"));
      if (p.keepImage() != null && !compose && !p.pulls().isEmpty()) {
        // an update of a running container: restarted now if its download is done, else by the host once it is
        String name = quote(p.name());
        String pids = p.pulls().stream().map(pull -> " $pull" + pulling.get(pull)).collect(Collectors.joining());
        defer.append("if hostops_busy").append(pids).append("; then hostops_defer ").append(name).append(' ')
            .append(quote(p.keepImage())).append(' ').append(quote(ApplyPlan.previousTag(p.name()))).append(pids)
            .append("; else rn=\"$rn \"").append(name).append("; ru=\"$ru \"").append(quote(p.name() + ".service"))
            .append("; rs=\"$rs \"").append(name).append("' 1'; fi\n");
        p.restart().stream().filter(u -> !u.equals(p.name() + ".service")).forEach(restart::add);
        keep.append("case \" $rn \" in *\" \"").append(name).append("\" \"*) hostops_keep ").append(name).append(' ')
            .append(quote(p.keepImage())).append(' ').append(quote(ApplyPlan.previousTag(p.name()))).append(" ;; esac\n");
        continue;
      }
      restart.addAll(p.restart());
      if (p.restartsService()) {
        settling.append(' ').append(quote(p.name())).append(compose ? " 0" : " 1");
        if (p.keepImage() != null && !compose) {
          keep.append("hostops_keep ").append(quote(p.name())).append(' ').append(quote(p.keepImage())).append(' ')
              .append(quote(ApplyPlan.previousTag(p.name()))).append('\n');
        }
      }
    }
    if (!pulling.isEmpty() && !(start.isEmpty() && restart.isEmpty() && defer.isEmpty())) {
      s.append("hostops_pulled ").append(PULL_WAIT_ROUNDS).append('\n');
    }
    if (!replaced.isEmpty()) {
      // the runs a restart replaces, by InvocationID: until a unit shows another one, its restart has not begun
      s.append("olds=$(hostops_units");
      replaced.forEach(u -> s.append(' ').append(quote(u)));
      s.append(" | awk '{n = $2; sub(/[.]service$/, \"\", n); printf \"%s=%s \", n, $5}')\n");
    }
    s.append(defer);
    systemctl(s, "start --no-block", start);
    // the updates whose download is done ($ru, $rs) join the restarts, in the same systemctl call
    String restarting = restart.stream().map(u -> " " + quote(u)).collect(Collectors.joining())
        + (defer.isEmpty() ? "" : " $ru");
    if (!restarting.isEmpty()) {
      s.append(restart.isEmpty() ? "[ -z \"$ru\" ] || " : "").append("systemctl restart --no-block").append(restarting)
          .append('\n');
    }
    if (!defer.isEmpty()) {
      settling.append(" $rs");
    }
    for (String u : reloads) {
      s.append("systemctl reload ").append(quote(u)).append('\n');
    }
    s.append("set +e\n");
    if (!settling.isEmpty()) {
      s.append("hostops_settle").append(settling).append('\n');
    }
    s.append(keep);
    s.append(HostProbe.script(probeAfter));
    return s.toString();
  }

  /** The umask that creates a file with {@code mode}, or "-" when the mode has execute (or special) bits. */
  static String umask(String mode) {
    int m = Integer.parseInt(mode, 8);
    return (m & ~0666) == 0 ? Integer.toOctalString(~m & 0777) : "-";
  }

  private static void systemctl(StringBuilder s, String verb, List<String> units) {
    if (!units.isEmpty()) {
      s.append("systemctl ").append(verb);
      units.forEach(u -> s.append(' ').append(quote(u)));
      s.append('\n');
    }
  }

  /** Stops, disables and removes a service: only when the host's record says this owner wrote it. */
  public static String removalScript(String name, String owner) {
    String record = "\"$S\"/" + quote(name);
    StringBuilder s = new StringBuilder();
    s.append("S=").append(HostProbe.STATE_DIR).append('\n').append(HostProbe.RESTART_ALIVE);
    s.append("if [ ! -f ").append(record).append("/owner ]; then echo absent; exit 0; fi\n");
    s.append("if [ \"$(head -n1 ").append(record).append("/owner)\" != ").append(quote(owner))
        .append(" ]; then echo 'owned by another resource'; exit 0; fi\n");
    s.append("if [ -L ").append(quote("/root/" + name)).append(" ]; then echo ")
        .append(quote("/root/" + name + " is a symlink; refusing")).append(" >&2; exit 3; fi\n");
    // a restart left to the host (see hostops_defer) must not bring the service back
    s.append("if restart_alive ").append(record).append("/restart; then kill \"$rp\" 2>/dev/null; fi\n");
    for (String u : List.of(name + ".timer", name + ".service")) {
      s.append("systemctl disable --now --quiet ").append(quote(u)).append(" 2>/dev/null\n");
    }
    s.append("docker rm -f ").append(quote(name)).append(" >/dev/null 2>&1\n");
    s.append("if [ -f ").append(quote("/root/" + name + "/compose.yaml")).append(" ]; then (docker compose -p ")
        .append(quote(name)).append(" -f ").append(quote("/root/" + name + "/compose.yaml"))
        .append(" down 2>/dev/null || docker-compose -p ").append(quote(name)).append(" -f ")
        .append(quote("/root/" + name + "/compose.yaml")).append(" down) >/dev/null 2>&1; fi\n");
    s.append("while IFS= read -r p; do rm -f \"$p\"; done < ").append(record).append("/files\n");
    // config directories and the Docker config directory first: only the empty ones, never through a link
    s.append("find ").append(quote("/root/" + name)).append(" -mindepth 1 -depth -type d -empty -delete 2>/dev/null\n");
    s.append("rmdir ").append(quote("/root/" + name)).append(" 2>/dev/null\n");
    s.append("rm -rf ").append(record).append('\n');
    s.append("systemctl daemon-reload\n");
    s.append("systemctl reset-failed ").append(quote(name + ".service")).append(' ').append(quote(name + ".timer"))
        .append(" 2>/dev/null\n");
    s.append("echo removed\n");
    return s.toString();
  }
}
