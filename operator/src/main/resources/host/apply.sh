# shellcheck shell=sh
# apply: carries out the records of a manifest in their order (HostApplier.java writes them in the
# order a careful person would act: stop and disable, write files, enable, daemon-reload, start,
# restart, reload, settle), then probes the services named by its probe records, so an apply and the
# status it leads to cost one round trip. Until a tolerate-errors record, the first failure ends the
# job (set -e). Every file is written to a temp file beside its target and renamed over it: never a
# half-written unit.
#
# Records (values as the manifest format in lib.sh):
#   stop UNIT | disable UNIT | enable UNIT... | daemon-reload | start UNIT... | reload UNIT
#   restart UNIT... (and the updates whose download is done) | dir PATH MODE (mode "-" leaves it)
#   owner NAME OWNER | files NAME PATH... (every file the service owns after this apply)
#   cancel NAME (end a restart left to the host: this apply restarts or stops the service itself)
#   write PATH MODE SIZE UMASK HOW FIRST LAST (HOW: replace or in-place; content in data lines
#   FIRST..LAST) | remove PATH | rmdir PATH (only when empty)
#   pull KEY WORD... (a pull the unit's start will run, begun now in the background)
#   await-pulls ROUNDS | olds UNIT... (the runs a restart replaces)
#   update NAME IMAGE_ID PREVIOUS_TAG KEY... (a running container's update: restarted with the others
#   when its pulls are done, else left to the host) | tolerate-errors
#   settle NAME CHECK_CONTAINER... | keep NAME IMAGE_ID TAG | keep-updated NAME IMAGE_ID TAG
#   retire UNIT NAME CONTAINER (a hand-written unit NAME replaces, once NAME runs)
#   and the probe records (probe.sh).

# fail_write PATH ERROR TEMP SIZE: reports a write that failed, with the free space there, and ends
fail_write() {
  [ -z "$3" ] || rm -f "$3"
  m=$(printf '%s\n' "$2" | head -n1); m=${m#*: }
  free=$(df -Pk "$(dirname "$1")" 2>/dev/null | awk 'NR==2 {print $4}')
  echo "writing $1 ($4 bytes) failed: $m${free:+; $free KB free there}; the file on the host is unchanged" >&2
  exit 4
}

# content FIRST LAST: the bytes of a file, from the manifest's data lines FIRST..LAST
content() {
  if [ "$1" -gt 0 ]; then sed -n "$1,$2p;$2q" "$M" | base64 -d; fi
}

# write_file PATH MODE SIZE UMASK FIRST LAST: the temp file is made by the shell (noclobber: O_EXCL)
# with the file's mode through the umask, or, for a mode with execute bits (UMASK "-"), chmod-ed;
# mktemp if the name is taken
write_file() {
  d=${1%/*}; [ -d "$d" ] || mkdir -p "$d"
  wn=$((wn + 1)); t="$d/.hostops.w$((10000 + wn))"
  u=${4:--}; [ "$u" = - ] || umask "$u"
  set -C
  if command : 2>/dev/null >"$t"; then
    set +C; umask 022; [ "$u" != - ] || chmod "$2" "$t"
  else
    set +C; umask 022
    t=$(mktemp "$d/.hostops.XXXXXX" 2>&1) || fail_write "$1" "$t" "" "$3"
    chmod "$2" "$t"
  fi
  e=$(content "$5" "$6" 2>&1 >"$t") || fail_write "$1" "$e" "$t" "$3"
  mv -f "$t" "$1"
}

# write_in_place PATH MODE SIZE UMASK FIRST LAST: rewrites the file keeping its inode (a file a
# container mounts alone sees the new content); the content is checked whole in a temp file first
write_in_place() {
  if [ ! -f "$1" ] || [ -L "$1" ]; then write_file "$@"; return; fi
  t=$(mktemp "$(dirname "$1")/.hostops.XXXXXX" 2>&1) || fail_write "$1" "$t" "" "$3"
  e=$(content "$5" "$6" 2>&1 >"$t") || fail_write "$1" "$e" "$t" "$3"
  e=$(cat <"$t" 2>&1 >"$1") || fail_write "$1" "$e" "$t" "$3"
  chmod "$2" "$1"
  rm -f "$t"
}

# keep_image NAME IMAGE_ID TAG: tags the image the service ran before, when its container now runs
# another, so it stays on the host for a rollback
keep_image() {
  new=$(docker inspect -f '{{.Image}}' "$1" 2>/dev/null) || return 0
  [ -z "$new" ] || [ "$new" = "$2" ] || docker tag "$2" "$3" 2>/dev/null || true
}

# start_pull KEY WORD...: a pull the service's start will run, begun in the background as soon as its
# files are written: the download overlaps the rest of the apply, and the old container keeps serving
# meanwhile. Best effort: the unit's own pull runs anyway, and joins a download still going.
start_pull() {
  k=$1; shift
  "$@" </dev/null >/dev/null 2>&1 &
  pulls="$pulls $!"; pull_keys="$pull_keys $k=$! "
}

# pull_pid KEY: the PID of the pull started under KEY (sets p)
pull_pid() {
  p=${pull_keys#* "$1"=}; p=${p%% *}
}

# running PID...: whether any of these processes still runs (an ended one is a zombie, or gone)
running() {
  for p in "$@"; do
    if read -r _ _ st _ 2>/dev/null <"/proc/$p/stat" && [ "$st" != Z ]; then return 0; fi
  done
  return 1
}

# defer_restart NAME IMAGE_ID TAG PID...: an update whose new image is still downloading after the
# wait: the restart is left to the host (a process of its own that outlives this job), so the old
# container serves until the download is done. $S/NAME/restart names that process (PID, start time)
# and the run it replaces; the probe reads it, and a restart whose process ended before it restarted
# is redone.
defer_restart() {
  n=$1; img=$2; tag=$3; shift 3
  inv=-; for o in $olds; do case $o in "$n="*) inv=${o#*=} ;; esac; done
  (
    set +e; trap '' HUP
    i=0
    for p in "$@"; do while [ $i -lt 4500 ] && running "$p"; do sleep 0.2; i=$((i + 1)); done; done
    # shellcheck disable=SC2030 # this process's own settle: the apply's olds stay as they are
    olds="$n=$inv"
    systemctl restart --no-block "$n.service"
    settle "$n" 1
    keep_image "$n" "$img" "$tag"
    rm -f "$S/$n/restart"
  ) </dev/null >/dev/null 2>&1 &
  st=$(cut -d' ' -f22 "/proc/$!/stat" 2>/dev/null) || st=0
  printf '%s %s %s\n' "$!" "${st:-0}" "$inv" >"$S/$n/restart"
}

# cancel_restart NAME: ends a restart left to the host for NAME, if one waits
cancel_restart() {
  [ -f "$S/$1/restart" ] || return 0
  # shellcheck disable=SC2154 # rp: set by restart_alive (lib.sh)
  if restart_alive "$S/$1/restart"; then kill "$rp" 2>/dev/null || true; fi
  rm -f "$S/$1/restart"
}

# await_pulls ROUNDS: waits until the pulls begun ended, at most ROUNDS rounds of 0.05 s
await_pulls() {
  i=0
  for p in $pulls; do
    while [ $i -lt "$1" ] && read -r _ _ st _ 2>/dev/null <"/proc/$p/stat" && [ "$st" != Z ]; do
      sleep 0.05; i=$((i + 1))
    done
  done
}

# unit_states UNIT...: each unit's state as one line: U ID ACTIVE SUB INVOCATION_ID (- for none)
unit_states() {
  systemctl show -p Id,ActiveState,SubState,InvocationID "$@" | awk 'BEGIN {RS=""; FS="\n"}
    {id=""; a=""; s=""; v="-"
     for (k = 1; k <= NF; k++) { e = index($k, "="); key = substr($k, 1, e - 1); val = substr($k, e + 1)
       if (key == "Id") id = val; else if (key == "ActiveState") a = val
       else if (key == "SubState") s = val; else if (key == "InvocationID" && val != "") v = val }
     print "U", id, a, s, v}'
}

# settle NAME CHECK_CONTAINER...: waits, for all started services together, until each one's new run
# is up (unit active, and its container running when CHECK_CONTAINER is 1), has failed, or waits for
# systemd's restart; at most 60 rounds of 0.2 s and one check (~15 s). $olds holds NAME=INVOCATION_ID
# of the runs a restart replaces. One systemctl and one docker call per round.
settle() {
  i=0
  # shellcheck disable=SC2031 # olds: set by the olds record, or for a deferred restart in its own process
  pending=$(printf '%s\n' "$@" | awk -v olds="$olds" 'BEGIN {n = split(olds, a, " ")
      for (k = 1; k <= n; k++) { e = index(a[k], "="); o[substr(a[k], 1, e - 1)] = substr(a[k], e + 1) } }
    NR % 2 == 1 {nm = $0} NR % 2 == 0 {printf "%s %s %s ", nm, $0, (nm in o) ? o[nm] : "-"}')
  while [ -n "$pending" ] && [ $i -lt 60 ]; do
    # shellcheck disable=SC2086 # service names, split on spaces
    su=$(printf '%s\n' $pending | awk 'NR%3==1 {printf "%s.service ", $0}')
    # shellcheck disable=SC2086
    st=$(unit_states $su)
    # Docker is asked only about units that run: it is busy pulling and starting the others
    active=$(printf '%s\n' "$st" | awk '$3 == "active" {n = $2; sub(/[.]service$/, "", n); printf "%s ", n}')
    run=""
    # shellcheck disable=SC2086
    [ -z "$active" ] || run=$(docker inspect --type container -f 'R {{.Name}} {{.State.Running}}' $active 2>/dev/null)
    # shellcheck disable=SC2086
    pending=$( {
        printf '%s\n' $pending | awk 'NR%3==1 {n=$0} NR%3==2 {c=$0} NR%3==0 {print "P", n, c, $0}'
        printf '%s\n' "$st" "$run"
      } | awk -v round=$i '
        $1 == "U" {act[$2] = $3; sub_[$2] = $4; inv[$2] = $5}
        $1 == "R" {n = $2; sub(/^\//, "", n); run[n] = $3}
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
            if (!done) printf "%s %s %s ", n, chk[n], old[n]
          }
        }')
    [ -z "$pending" ] || sleep 0.2
    i=$((i + 1))
  done
}

# update NAME IMAGE_ID TAG KEY...: a running container's update: restarted now with the others if its
# download is done ($upd_names, $upd_units, $upd_settle), else left to the host
update_service() {
  n=$1; img=$2; tag=$3; shift 3
  service_name "$n"
  pids=""
  for k in "$@"; do pull_pid "$k"; pids="$pids $p"; done
  # shellcheck disable=SC2086 # PIDs
  if running $pids; then
    # shellcheck disable=SC2086
    defer_restart "$n" "$img" "$tag" $pids
  else
    upd_names="$upd_names $n"; upd_units="$upd_units $n.service"; upd_settle="$upd_settle $n 1"
  fi
}

# retire UNIT NAME CONTAINER: the hand-written unit that service NAME replaces (spec.replaces; the apply
# stopped it before starting NAME), once NAME's unit is active and its container runs: disabled and
# stopped, its file removed, its container (CONTAINER, when not NAME's own) removed, and dropped from
# NAME's files. Until then it is left as it is, and the next apply tries again.
retire_unit() {
  service_name "$2"
  case $1 in
    '' | -* | */* | *[!A-Za-z0-9_.:-]*) echo "hostops: '$1' is not a unit to replace" >&2; exit 2 ;;
    *.service) ;;
    *) echo "hostops: '$1' is not a unit to replace" >&2; exit 2 ;;
  esac
  [ "$(systemctl show -p ActiveState --value "$2.service")" = active ] || return 0
  [ "$(docker inspect -f '{{.State.Running}}' "$2" 2>/dev/null)" = true ] || return 0
  systemctl disable --now --quiet "$1" 2>/dev/null
  rm -f "/etc/systemd/system/$1"
  systemctl daemon-reload
  systemctl reset-failed "$1" 2>/dev/null
  if [ -n "$3" ] && [ "$3" != "$2" ]; then docker rm -f "$3" >/dev/null 2>&1; fi
  if [ -f "$S/$2/files" ]; then
    grep -vxF "/etc/systemd/system/$1" "$S/$2/files" >"$S/$2/files.new"
    mv -f "$S/$2/files.new" "$S/$2/files"
  fi
  return 0
}

# apply_record KIND VALUE...: one record of the apply
apply_record() {
  kind=$1; shift
  case $kind in
    stop) systemctl stop "$1" ;;
    disable) systemctl disable --quiet --no-reload "$1" ;;
    dir)
      if [ -L "$1" ]; then echo "$1 is a symlink; refusing" >&2; exit 3; fi
      [ -d "$1" ] || mkdir -p "$1"
      if [ -n "$2" ]; then chmod "$2" "$1"; fi ;;
    owner)
      service_name "$1"
      [ -d "$S/$1" ] || mkdir -p "$S/$1"
      printf '%s\n' "$2" >"$S/$1/owner.new" && mv -f "$S/$1/owner.new" "$S/$1/owner" ;;
    cancel) cancel_restart "$1" ;;
    files)
      n=$1; shift; service_name "$n"
      printf '%s\n' "$@" >"$S/$n/files.new" && mv -f "$S/$n/files.new" "$S/$n/files" ;;
    write)
      case $5 in
        in-place) write_in_place "$1" "$2" "$3" "$4" "$6" "$7" ;;
        *) write_file "$1" "$2" "$3" "$4" "$6" "$7" ;;
      esac ;;
    remove) rm -f "$1" ;;
    rmdir) rmdir "$1" 2>/dev/null || true ;;
    pull) start_pull "$@" ;;
    enable) systemctl enable --quiet --no-reload "$@" ;;
    daemon-reload) systemctl daemon-reload ;;
    await-pulls) await_pulls "$1" ;;
    olds) olds=$(unit_states "$@" | awk '{n = $2; sub(/[.]service$/, "", n); printf "%s=%s ", n, $5}') ;;
    update) update_service "$@" ;;
    start) systemctl start --no-block "$@" ;;
    restart)
      # shellcheck disable=SC2086 # unit names of services (service_name), split on spaces
      set -- "$@" $upd_units
      if [ $# -gt 0 ]; then systemctl restart --no-block "$@"; fi ;;
    reload) systemctl reload "$1" ;;
    tolerate-errors) set +e ;;
    settle)
      # shellcheck disable=SC2086 # pairs NAME 1 of the updates restarted with the others
      settle "$@" $upd_settle ;;
    keep) keep_image "$1" "$2" "$3" ;;
    keep-updated) case " $upd_names " in *" $1 "*) keep_image "$1" "$2" "$3" ;; esac ;;
    audit) audit_append "$1" ;;
    retire) retire_unit "$1" "$2" "$3" ;;
    facts | all | known | run | service | file) probe_record "$kind" "$@" ;;
    *) unknown_record "$kind" ;;
  esac
}

# The job: the apply's records in order, then the probe of the services its probe records name.
job_apply() {
  set -e
  umask 022
  M=$1
  pulls=""; pull_keys=" "; olds=""; upd_names=""; upd_units=""; upd_settle=""; wn=0
  probe_init
  each_record "$1" apply_record
  set +e
  probe_run
}
