# shellcheck shell=sh
# logagent: writes a host's log agent config (promtail or Alloy) and tells the agent to reload
# (SIGHUP to its container, when it runs). The file is rewritten in place, keeping its inode, because
# agents mount it as a single file and are reloaded, not restarted.
# Record: config PATH CONTAINER FIRST LAST (content in the data lines FIRST..LAST). Prints "reloaded"
# when the agent was told.
write_log_config() {
  path=$1; container=$2; dir=${1%/*}
  mkdir -p /var/lib/hostops "$dir"
  if [ -L "$path" ]; then echo "$path is a symlink; refusing" >&2; exit 3; fi
  clean_tmp "$path"
  t=$(mktemp "$dir/.hostops.XXXXXX")
  content "$3" "$4" >"$t"
  if [ -f "$path" ]; then cat <"$t" >"$path"; rm -f "$t"; else chmod 644 "$t"; mv "$t" "$path"; fi
  # a host that switched format (promtail <-> alloy) loses the config hostops wrote for the old one
  old=$(cat /var/lib/hostops/logagent 2>/dev/null || true)
  if [ -n "$old" ] && [ "$old" != "$path" ]; then rm -f "$old"; fi
  printf '%s\n' "$path" >/var/lib/hostops/logagent
  if [ "$(docker inspect -f '{{.State.Running}}' "$container" 2>/dev/null)" = true ]; then
    docker kill --signal HUP "$container" >/dev/null && echo reloaded
  fi
}

logagent_record() {
  case $1 in
    config) shift; write_log_config "$@" ;;
    *) unknown_record "$1" ;;
  esac
}

# The job: the config record.
job_logagent() {
  set -e
  # shellcheck disable=SC2034 # M: the manifest content() (apply.sh) reads
  M=$1
  each_record "$1" logagent_record
}
