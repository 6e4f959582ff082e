# shellcheck shell=sh
# probe: reports, for a set of services (or every service hostops installed here), the ownership
# record, the hash and mode of each file, the systemd state of each unit and timer and the Docker
# state, health and image of each container. One line per fact, tab-separated, first word the kind;
# HostProbe.java parses them. Besides builtins it launches one stat and one sha256sum for all files,
# one systemctl show, one docker inspect, one docker image inspect (only for images the operator has
# not seen) and one docker ps per compose project. On the way it removes hostops' own temp files that
# an interrupted apply left beside the files it manages.
#
# Records: facts (print the host's facts first) | all (every service in $S) | known IMAGE_ID_PREFIX
# (an image the operator knows the digests of: not looked up) | run NAME INVOCATION_ID_PREFIX (a unit
# still on this run runs the container seen last: Docker is not asked) | service NAME COMPOSE(0|1)
# followed by its files: file PATH.

probe_init() {
  reg=""; units=""; names=""; known=" "; runs=" "; probe_all=""; current=""; foreign=""
}

# probe_record KIND VALUE...: takes one probe record (the apply job hands its probe records here)
probe_record() {
  case $1 in
    facts) print_facts ;;
    all) probe_all=1 ;;
    known) known="$known$2 " ;;
    run) service_name "$2"; runs="$runs$2=$3 " ;;
    service) service_name "$2"; probe_service "$2" "$3" ;;
    file) probe_file "$current" "$2" ;;
    *) unknown_record "$1" ;;
  esac
}

# probe_service NAME COMPOSE: the service's record (owner, files hostops wrote, a restart left to the
# host), and notes its units and container for the batch calls at the end
probe_service() {
  n=$1; current=$1
  o=""; if [ -f "$S/$n/owner" ]; then IFS= read -r o <"$S/$n/owner" || true; fi
  printf 'owner\t%s\t%s\n' "$n" "$o"
  foreign=""; [ -f "$S/$n/owner" ] || foreign=1
  # a restart left to the host (see defer_restart): whether its process still runs, and the run it replaces
  if [ -f "$S/$n/restart" ]; then
    ra=0; if restart_alive "$S/$n/restart"; then ra=1; fi
    # shellcheck disable=SC2154 # ri: set by restart_alive (lib.sh)
    printf 'restart\t%s\t%s\t%s\n' "$n" "$ra" "$ri"
  fi
  if [ -L "/root/$n" ] || { [ -e "/root/$n" ] && [ ! -d "/root/$n" ]; }; then printf 'unsafe\t%s\n' "$n"; fi
  if [ -f "$S/$n/files" ]; then
    while IFS= read -r p; do printf 'managed\t%s\t%s\n' "$n" "$p"; clean_tmp "$p"; done <"$S/$n/files"
  fi
  units="$units $n.service $n.timer"
  if [ "$2" = 1 ]; then probe_compose "$n"; else names="$names $n"; fi
}

# probe_file NAME PATH: whether PATH is a regular file (its mode and hash come in one batch at the end),
# something else, or absent; a unit file of a service hostops does not own yet is sent whole (base64), and
# so is a hand-written unit the service replaces (a unit file not named after it), while it is there
probe_file() {
  clean_tmp "$2"
  if [ -f "$2" ] && [ ! -L "$2" ]; then
    printf 'file\t%s\t%s\treg\t-\n' "$1" "$2"
    reg="$reg$2
"
    case "$foreign$2" in
      1/etc/systemd/system/*) send=1 ;;
      /etc/systemd/system/"$1".service | /etc/systemd/system/"$1".timer) send="" ;;
      /etc/systemd/system/*) send=1 ;;
      *) send="" ;;
    esac
    if [ -n "$send" ]; then printf 'foreign\t%s\t%s\t%s\n' "$1" "$2" "$(base64 -w0 <"$2")"; fi
  elif [ -e "$2" ] || [ -L "$2" ]; then
    printf 'file\t%s\t%s\tother\t-\n' "$1" "$2"
  else
    printf 'file\t%s\t%s\t-\t-\n' "$1" "$2"
  fi
}

# probe_installed: every service in hostops' records, with the files its record lists
probe_installed() {
  for d in "$S"/*/; do
    [ -d "$d" ] || continue
    n=${d%/}; n=${n##*/}
    case "$n" in *[!a-z0-9-]* | "") continue ;; esac
    c=0; if [ -f "/root/$n/compose.yaml" ]; then c=1; fi
    probe_service "$n" "$c"
    if [ -f "$d/files" ]; then while IFS= read -r p; do probe_file "$n" "$p"; done <"$d/files"; fi
  done
  if read -r la 2>/dev/null </var/lib/hostops/logagent; then clean_tmp "$la"; fi
}

# probe_hashes: modes and hashes of every regular file found, in two processes for the whole probe
probe_hashes() {
  [ -n "$reg" ] || return 0
  IFS='
'
  set -f
  # shellcheck disable=SC2086 # one path per line: split on newlines only
  set -- $reg
  unset IFS
  set +f
  stat --printf 'fmode\t%a\t%n\n' -- "$@" 2>/dev/null
  sha256sum -- "$@" 2>/dev/null
  return 0
}

# probe_compose PROJECT: the states of the project's containers, on one line
probe_compose() {
  printf 'cproj\t%s\t%s\n' "$1" "$(docker ps -a --filter "label=com.docker.compose.project=$1" --format '{{.State}}' 2>/dev/null | tr '\n' ' ')"
}

# probe_units UNIT...: systemctl show of every unit, each line prefixed "unit"; for a failed (or
# restarting) service, the last Docker error of its last run (a refused pull, say). Sets us.
probe_units() {
  us=""
  [ $# -gt 0 ] || return 0
  us=$(systemctl show --property=Id,LoadState,ActiveState,SubState,UnitFileState,Result,ExecMainStatus,ExecMainExitTimestamp,LastTriggerUSec,NextElapseUSecRealtime,ExecStartPre,InvocationID "$@")
  printf '%s\n' "$us" | sed 's/^/unit\t/'
  printf '%s\n' "$us" | awk 'BEGIN{RS="";FS="\n"} {id="";inv="";bad=0; for(i=1;i<=NF;i++){if($i~/^Id=/)id=substr($i,4); if($i~/^InvocationID=/)inv=substr($i,14); if($i=="ActiveState=failed"||$i=="SubState=auto-restart")bad=1} if(bad&&id!=""&&inv!="")print id, inv}' |
    while read -r u inv; do
      l=$(journalctl -o cat --no-pager _SYSTEMD_INVOCATION_ID="$inv" 2>/dev/null | grep '^Error response from daemon: ' | grep -v 'No such container' | tail -n1 | cut -c1-400)
      if [ -n "$l" ]; then printf 'dockererr\t%s\t%s\n' "${u%.service}" "$l"; fi
    done
  return 0
}

# probe_containers NAME...: Docker's view of each container, and the repo digests of the images the
# operator does not know yet
probe_containers() {
  [ $# -gt 0 ] || return 0
  ci=$(docker inspect --type container -f 'container	{{.Name}}	{{.State.Status}}	{{.State.StartedAt}}	{{.Image}}	{{if .State.Health}}{{.State.Health.Status}}{{end}}' "$@" 2>/dev/null)
  [ -n "$ci" ] || return 0
  printf '%s\n' "$ci"
  need=$(printf '%s\n' "$ci" | awk -F'\t' -v known="$known" '!seen[$5]++ {
    k = $5; sub(/^sha256:/, "", k); if (!index(known, " " substr(k, 1, 12) " ")) printf "%s ", $5 }')
  # shellcheck disable=SC2086 # image IDs, split on spaces
  if [ -n "$need" ]; then docker image inspect -f 'image	{{.Id}}	{{range .RepoDigests}}{{.}} {{end}}' $need 2>/dev/null; fi
  return 0
}

# probe_run: the batch part, once every service was noted. A unit still on the run whose container
# was seen last runs the same `docker run`, the same container: reported as samecontainer, Docker
# is not asked about it (the dearest part of an idle probe).
probe_run() {
  if [ -n "$probe_all" ]; then probe_installed; fi
  probe_hashes
  # shellcheck disable=SC2086 # service names and unit names: no spaces in them (service_name)
  probe_units $units
  same=$(printf '%s\n' "$us" | awk -v runs="$runs" 'BEGIN {RS=""; FS="\n"}
    {id=""; inv=""; a=""; s=""
     for (i = 1; i <= NF; i++) { e = index($i, "="); k = substr($i, 1, e - 1); v = substr($i, e + 1)
       if (k == "Id") id = v; else if (k == "InvocationID") inv = v
       else if (k == "ActiveState") a = v; else if (k == "SubState") s = v }
     if (a == "active" && s == "running" && inv != "" && id ~ /[.]service$/) {
       n = substr(id, 1, length(id) - 8); if (index(runs, " " n "=" substr(inv, 1, 12) " ")) printf "%s ", n }}')
  rest=""
  for n in $names; do
    case " $same " in *" $n "*) printf 'samecontainer\t%s\n' "$n" ;; *) rest="$rest $n" ;; esac
  done
  # shellcheck disable=SC2086 # service names
  probe_containers $rest
  return 0
}

# The job: the probe records of the manifest, then the probe.
job_probe() {
  probe_init
  each_record "$1" probe_record
  probe_run
}
