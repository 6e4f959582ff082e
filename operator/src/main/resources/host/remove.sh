# shellcheck shell=sh
# remove: stops, disables and removes a service, only when hostops' record says this owner wrote it.
# Record: remove NAME OWNER. Prints "absent", "owned by another resource" or "removed".
# Named volumes and log files are data and stay.
remove_service() {
  n=$1
  service_name "$n"
  if [ ! -f "$S/$n/owner" ]; then echo absent; return 0; fi
  if [ "$(head -n1 "$S/$n/owner")" != "$2" ]; then echo 'owned by another resource'; return 0; fi
  if [ -L "/root/$n" ]; then echo "/root/$n is a symlink; refusing" >&2; exit 3; fi
  # a restart left to the host (see defer_restart) must not bring the service back
  # shellcheck disable=SC2154 # rp: set by restart_alive (lib.sh)
  if restart_alive "$S/$n/restart"; then kill "$rp" 2>/dev/null; fi
  systemctl disable --now --quiet "$n.timer" 2>/dev/null
  systemctl disable --now --quiet "$n.service" 2>/dev/null
  docker rm -f "$n" >/dev/null 2>&1
  if [ -f "/root/$n/compose.yaml" ]; then
    (docker compose -p "$n" -f "/root/$n/compose.yaml" down 2>/dev/null ||
      docker-compose -p "$n" -f "/root/$n/compose.yaml" down) >/dev/null 2>&1
  fi
  while IFS= read -r p; do rm -f "$p"; done <"$S/$n/files"
  # config directories and the Docker config directory first: only the empty ones, never through a link
  find "/root/$n" -mindepth 1 -depth -type d -empty -delete 2>/dev/null
  rmdir "/root/$n" 2>/dev/null
  rm -rf "${S:?}/$n"
  systemctl daemon-reload
  systemctl reset-failed "$n.service" "$n.timer" 2>/dev/null
  rm_done=1
  echo removed
}

remove_record() {
  case $1 in
    remove) remove_service "$2" "$3" ;;
    audit) if [ "${rm_done:-}" = 1 ]; then audit_append "$2"; fi ;;
    *) unknown_record "$1" ;;
  esac
}

# The job: every remove record.
job_remove() {
  each_record "$1" remove_record
}
