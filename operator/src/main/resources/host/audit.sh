# shellcheck shell=sh
# audit: one line per change hostops makes on this host, in /var/log/hostops/audit.log, for a person
# reading it with tail: UTC time, then what hostops sent (the resource, its generation, the operator
# process that acted, what changed). hostops composes the text; no Secret value is ever in it. The file
# is kept under 1 MB: when it is full it becomes audit.log.1 (the one before is dropped), by hostops
# itself, with no logrotate needed.
A=/var/log/hostops/audit.log
AUDIT_MAX=1048576

# audit_append TEXT: appends "TIME TEXT" (one line: control characters become spaces)
audit_append() {
  # shellcheck disable=SC2174 # -m applies to /var/log/hostops only, its parent exists
  [ -d "${A%/*}" ] || mkdir -p -m 750 "${A%/*}"
  if [ -f "$A" ] && [ "$(wc -c <"$A")" -ge "$AUDIT_MAX" ]; then mv -f "$A" "$A.1"; fi
  [ -f "$A" ] || { : >"$A" && chmod 640 "$A"; }
  printf '%s %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$(printf '%s' "$1" | tr '\000-\037\177' ' ')" >>"$A"
}
