# shellcheck shell=sh
# The entry: sh PROGRAM JOB MANIFEST runs one job on a manifest file and prints what it saw (what
# hostops parses); by hand on a host, e.g.:
#   printf 'facts\nall\n' >/tmp/m && sh /var/lib/hostops/program/*.sh probe /tmp/m
# sh PROGRAM run LENGTH SHA256 JOB is how hostops runs it (bootstrap.sh, runner.sh): the manifest
# arrives on stdin.

# run_verified LENGTH SHA256 JOB: stores the manifest from stdin in a private temp file (/run/hostops,
# root only, gone at reboot), checks its length and SHA-256, and only then runs the job on it: a
# connection cut part-way runs nothing, rather than the part that arrived. The job's output is kept
# in files beside it and sent when the job has ended, so a job that arrived whole runs to its end even
# when the link drops meanwhile (printing to a dead channel would be SIGPIPE).
run_verified() {
  umask 077
  d=/run/hostops
  # shellcheck disable=SC2174 # /run exists: only /run/hostops is made, and -m applies to it
  [ -d $d ] || mkdir -p -m 700 $d
  f=$(mktemp $d/manifest.XXXXXX) || { echo "hostops: cannot store the script in /run/hostops" >&2; exit 98; }
  o="$f.out"
  trap 'rm -f "$f" "$o" "$o.err"; exit 1' HUP INT TERM
  # head stops at end of input without error (an incomplete manifest); it fails when it cannot write
  head -c "$1" >"$f" || { rm -f "$f"; echo "hostops: cannot store the script in /run/hostops" >&2; exit 98; }
  case $(sha256sum "$f") in
    "$2 "*) ;;
    *) n=$(wc -c <"$f"); rm -f "$f"; echo "hostops: script arrived incomplete: $n of $1 bytes" >&2; exit 97 ;;
  esac
  { : >"$o" && : >"$o.err"; } 2>/dev/null || { rm -f "$f" "$o"; echo "hostops: cannot store the script in /run/hostops" >&2; exit 98; }
  sh "$0" "$3" "$f" </dev/null >>"$o" 2>>"$o.err"
  r=$?
  rm -f "$f"
  cat "$o"; cat "$o.err" >&2
  rm -f "$o" "$o.err"
  exit "$r"
}

case ${1:-} in
  run) shift; run_verified "$@" ;;
  facts) job_facts ;;
  probe) job_probe "$2" ;;
  apply) job_apply "$2" ;;
  remove) job_remove "$2" ;;
  logagent) job_logagent "$2" ;;
  inspect) job_inspect "$2" ;;
  *) echo "usage: sh $0 facts|probe|apply|remove|logagent|inspect MANIFEST" >&2; exit 2 ;;
esac
