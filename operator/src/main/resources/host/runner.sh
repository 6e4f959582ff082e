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
# wc runs only on failure, to keep the round trip short.
umask 077
d=/run/hostops
# shellcheck disable=SC2174 # /run exists: only /run/hostops is made, and -m applies to it
[ -d $d ] || mkdir -p -m 700 $d
f=$(mktemp $d/script.XXXXXX) || { echo "hostops: cannot store the script in /run/hostops" >&2; exit 98; }
o="$f.out"
trap 'rm -f "$f" "$f.m" "$o" "$o.err"; exit 1' HUP INT TERM
# head stops at end of input without error (an incomplete script); it fails when it cannot write
head -c "$1" >"$f" || { rm -f "$f"; echo "hostops: cannot store the script in /run/hostops" >&2; exit 98; }
case $(sha256sum "$f") in
  "$2 "*) ;;
  *) n=$(wc -c <"$f"); rm -f "$f"; echo "hostops: script arrived incomplete: $n of $1 bytes" >&2; exit 97 ;;
esac
if [ $# -ge 5 ]; then
  p=/var/lib/hostops/program
  # shellcheck disable=SC2174 # /var/lib exists; -m protects the program folder itself
  { mkdir -p -m 700 $p && head -c "$3" "$f" >"$p/.new" && tail -c +"$(($3 + 1))" "$f" >"$f.m"; } ||
    { rm -f "$f" "$f.m"; echo "hostops: cannot store the program in $p" >&2; exit 98; }
  rm -f "$f"
  case $(sha256sum "$p/.new") in
    "$4 "*) mv -f "$p/.new" "$p/$4.sh" ;;
    *) rm -f "$p/.new" "$f.m"; echo "hostops: the program arrived damaged" >&2; exit 97 ;;
  esac
  # shellcheck disable=SC2012 # names of the form SHA256.sh, made here
  ls -1t "$p"/*.sh | tail -n +3 | while read -r x; do rm -f "$x"; done
  m=$(sha256sum "$f.m")
  sh "$p/$4.sh" run "$(($1 - $3))" "${m%% *}" "$5" "${6:-}" <"$f.m"
  r=$?
  rm -f "$f.m"
  exit "$r"
fi
{ : >"$o" && : >"$o.err"; } 2>/dev/null || { rm -f "$f" "$o"; echo "hostops: cannot store the script in /run/hostops" >&2; exit 98; }
sh "$f" </dev/null >>"$o" 2>>"$o.err"
r=$?
rm -f "$f"
cat "$o"; cat "$o.err" >&2
rm -f "$o" "$o.err"
exit $r
