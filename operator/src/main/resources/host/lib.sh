# shellcheck shell=sh
# hostops' host program: the library every job uses.
#
# The program is these files joined in order (protocol.sh, lib.sh, one file per job, main.sh: see
# HostProgram.PARTS) and installed once per host as /var/lib/hostops/program/SHA256.sh. It acts
# only on a manifest: a file of records that says what to look at or change. Java decides and
# describes; this program acts. Nothing in a manifest is ever run as shell code: every value is read
# with `read`, decoded by `printf %b`, and used quoted.
#
# Manifest format (the README's "The host program" has examples):
#   - one record per line: a KIND (a fixed word this program knows) and its fields, separated by one
#     space;
#   - a field holds any bytes but NUL: every byte outside printable ASCII (space, tab, newline, bytes
#     of 128 and up), and the backslash, is written as \0 and three octal digits (a space is \0040);
#     the empty value is written "-", and the value "-" itself as \0055;
#   - an apply's file contents follow a line "data", as base64 lines; a "write" record names the
#     first and last line of its content there (0 0 when the file is empty).

# Where hostops records, per service, who owns it (owner), which files it wrote (files) and a restart
# left to the host (restart).
# shellcheck disable=SC2034 # used by the jobs (probe.sh, apply.sh, remove.sh)
S=/var/lib/hostops/services

# decode FIELD: sets v to the value a manifest field holds (see the format above). Builtins only,
# but for a field with an escape (a subshell).
decode() {
  case $1 in
    -) v= ;;
    *\\*) v=$(printf '%b.' "$1"); v=${v%.} ;;
    *) v=$1 ;;
  esac
}

# each_record MANIFEST HANDLER: calls HANDLER KIND VALUE... for every record before the data section,
# with each field decoded. The manifest is read on fd 3, so nothing HANDLER runs can read it.
each_record() {
  handler=$2
  # shellcheck disable=SC2094 # the manifest is only read: decode sets v, nothing writes a file
  while read -r kind rest <&3; do
    [ "$kind" != data ] || break
    [ -n "$kind" ] || continue
    set -f
    # shellcheck disable=SC2086 # split on spaces by design: a field holds none (they are escaped)
    set -- $rest
    set +f
    fields=$#
    while [ "$fields" -gt 0 ]; do decode "$1"; shift; set -- "$@" "$v"; fields=$((fields - 1)); done
    "$handler" "$kind" "$@"
  done 3<"$1"
}

# unknown_record KIND: a record this program does not know; the manifest was made for another program
unknown_record() {
  echo "hostops: unknown record '$1' in the manifest" >&2
  exit 2
}

# service_name NAME: fails (exit 2) unless NAME is a service name (lowercase letters, digits, dashes),
# which the program then may use in paths and in lists split on spaces
service_name() {
  case $1 in
    '' | *[!a-z0-9-]*) echo "hostops: '$1' is not a service name" >&2; exit 2 ;;
  esac
}

# restart_alive FILE: succeeds when the process a restart left to the host runs in (see defer_restart
# in apply.sh) still runs; sets rp (its PID), rs (its start time) and ri (the InvocationID of the run
# it replaces) from FILE. The start time tells a reused PID apart.
restart_alive() {
  rp=""; rs=""; ri=""
  # shellcheck disable=SC2034 # ri is for the caller (probe.sh)
  read -r rp rs ri 2>/dev/null <"$1" || return 1
  case $rs in '' | 0) return 1 ;; esac
  [ "$(cut -d' ' -f22 "/proc/$rp/stat" 2>/dev/null)" = "$rs" ]
}

# clean_tmp PATH: removes the temp files (.hostops. and six characters) an interrupted apply left
# beside PATH; the probe and the applies of one host never overlap, so none of them is in use
clean_tmp() {
  for t in "${1%/*}"/.hostops.??????; do
    if [ -f "$t" ] && [ ! -L "$t" ]; then rm -f -- "$t"; fi
  done
}
