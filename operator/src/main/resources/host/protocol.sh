# shellcheck shell=sh
# The host protocol: what the host says to hostops beside a job's own output, named once for every part
# that says it (dev.hostops.host.HostProtocol names them on the Java side; HostProtocolTest checks that
# the two agree). This file is the first part of the program; the runner and the bootstrap run before
# the program is on a host, so they cannot source it: the definitions each uses are sent before it
# (HostProgram.command).
#
# A refusal runs nothing: its exit status and the line that says why.
# shellcheck disable=SC2034 # used by the runner, the bootstrap and the program (main.sh)
{
  EXIT_BUSY=95
  MARK_BUSY='hostops: host busy: '
  EXIT_PROGRAM_MISSING=96
  MARK_PROGRAM_MISSING='hostops: program '
  EXIT_INCOMPLETE=97
  MARK_INCOMPLETE='hostops: script arrived incomplete: '
  EXIT_UNSTORED=98
  MARK_UNSTORED='hostops: cannot store the script in /run/hostops'
  # the first line of a job's error output when the host's lock was last held by another process
  MARK_PREVIOUS_HOLDER='hostops-previous-holder '
  # the session of many jobs: up and serving; a reply; the reply to a request not run, ending the session
  MARK_SERVING='hostops-serving'
  MARK_REPLY='hostops-reply '
  MARK_REPLY_END='hostops-reply-end '
}

# store_verified NAME LENGTH SHA256: stores LENGTH bytes of stdin in a private temp file, $f
# (/run/hostops/NAME.XXXXXX, root only, on tmpfs, gone at reboot), makes $o and $o.err beside it for
# the output, and checks the file's SHA-256: only an input that arrived whole is ever acted on, so a
# connection cut part-way runs nothing, rather than the part that arrived. On failure it removes what
# it made, sets why (what to tell) and returns EXIT_UNSTORED or EXIT_INCOMPLETE. Once the file is
# made, a hangup or kill removes it and what is made beside it ($f.m: the runner's manifest), and
# ends the shell (exit 1); the session of jobs lifts that trap again. head stops at the
# end of input without error (an incomplete input); it fails when it cannot write, and its complaint
# (a full /run, say) is kept to be told.
store_verified() {
  umask 077
  # shellcheck disable=SC2174 # /run exists: only /run/hostops is made, and -m applies to it
  [ -d /run/hostops ] || mkdir -p -m 700 /run/hostops
  f=$(mktemp "/run/hostops/$1.XXXXXX") || { why=$MARK_UNSTORED; return "$EXIT_UNSTORED"; }
  o="$f.out"
  trap 'rm -f "$f" "$f.m" "$o" "$o.err"; exit 1' HUP INT TERM
  if ! why=$(head -c "$2" 2>&1 >"$f") || ! { : >"$o" && : >"$o.err"; } 2>/dev/null; then
    rm -f "$f" "$o" "$o.err"
    why="${why:+$why
}$MARK_UNSTORED"
    return "$EXIT_UNSTORED"
  fi
  case $(sha256sum "$f") in
    "$3 "*) ;;
    *) n=$(wc -c <"$f"); rm -f "$f" "$o" "$o.err"; why="$MARK_INCOMPLETE$n of $2 bytes"; return "$EXIT_INCOMPLETE" ;;
  esac
}
