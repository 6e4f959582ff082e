# shellcheck shell=sh
# The command of every job once the host program is installed: sh -c BOOTSTRAP hostops PROGRAM_SHA256
# run LENGTH SHA256 JOB, the manifest on stdin (or PROGRAM_SHA256 serve: the session of many jobs). It
# runs the installed program only when its SHA-256 is the one named; else it runs nothing and says so
# (exit 96), and hostops sends the program (runner.sh).
p=/var/lib/hostops/program/$1.sh
case $(sha256sum "$p" 2>/dev/null) in "$1 "*) shift; exec sh "$p" "$@" ;; esac
echo "hostops: program $1 is not installed" >&2
exit 96
