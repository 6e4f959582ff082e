# shellcheck shell=sh
# The command of every job once the host program is installed: sh -c BOOTSTRAP hostops PROGRAM_SHA256
# run LENGTH SHA256 JOB, the manifest on stdin (or PROGRAM_SHA256 serve: the session of many jobs). It
# runs the installed program only when its SHA-256 is the one named; else it runs nothing and says so
# (EXIT_PROGRAM_MISSING), and hostops sends the program (runner.sh). The protocol's names it uses
# (protocol.sh) are sent before this file.
p=/var/lib/hostops/program/$1.sh
case $(sha256sum "$p" 2>/dev/null) in "$1 "*) shift; exec sh "$p" "$@" ;; esac
echo "$MARK_PROGRAM_MISSING$1 is not installed" >&2
exit "$EXIT_PROGRAM_MISSING"
