# shellcheck shell=sh
# The fixed runner, sent as the command: sh -c RUNNER hostops LENGTH SHA256 [PROGRAM_LENGTH
# PROGRAM_SHA256 JOB [WHO]], with LENGTH bytes on stdin. It stores them in a private temp file (/run/hostops,
# root only, on tmpfs), checks their length and SHA-256, and only then acts: a connection cut
# part-way runs nothing, rather than the part that arrived.
#   - two arguments: the bytes are a script; it runs, its output kept in files and sent when it ended
#     (a dropped link cannot kill it with SIGPIPE)
#   - five or six: the bytes are the host program followed by a manifest; the program is installed as
#     /var/lib/hostops/program/PROGRAM_SHA256.sh (checked again, renamed into place) and runs JOB on
#     the manifest. The two installed last are kept.
# The storing and checking is store_verified, sent before this file with the protocol's names
# (protocol.sh).
# shellcheck disable=SC2154 # f, o and why are set by store_verified
store_verified script "$1" "$2" || { r=$?; printf '%s\n' "$why" >&2; exit "$r"; }
if [ $# -ge 5 ]; then
  p=/var/lib/hostops/program
  # shellcheck disable=SC2174 # /var/lib exists; -m protects the program folder itself
  { mkdir -p -m 700 $p && head -c "$3" "$f" >"$p/.new" && tail -c +"$(($3 + 1))" "$f" >"$f.m"; } ||
    { rm -f "$f" "$f.m" "$o" "$o.err"; echo "hostops: cannot store the program in $p" >&2; exit "$EXIT_UNSTORED"; }
  rm -f "$f" "$o" "$o.err"
  case $(sha256sum "$p/.new") in
    "$4 "*) mv -f "$p/.new" "$p/$4.sh" ;;
    *) rm -f "$p/.new" "$f.m"; echo "hostops: the program arrived damaged" >&2; exit "$EXIT_INCOMPLETE" ;;
  esac
  # shellcheck disable=SC2012 # names of the form SHA256.sh, made here
  ls -1t "$p"/*.sh | tail -n +3 | while read -r x; do rm -f "$x"; done
  m=$(sha256sum "$f.m")
  sh "$p/$4.sh" run "$(($1 - $3))" "${m%% *}" "$5" "${6:-}" <"$f.m"
  r=$?
  rm -f "$f.m"
  exit "$r"
fi
sh "$f" </dev/null >>"$o" 2>>"$o.err"
r=$?
rm -f "$f"
cat "$o"; cat "$o.err" >&2
rm -f "$o" "$o.err"
exit $r
