# shellcheck shell=sh
# The entry: sh PROGRAM JOB MANIFEST runs one job on a manifest file and prints what it saw (what
# hostops parses); by hand on a host, e.g.:
#   printf 'facts\nall\n' >/tmp/m && sh /var/lib/hostops/program/*.sh probe /tmp/m
# sh PROGRAM run LENGTH SHA256 JOB [WHO] is how hostops runs one job (bootstrap.sh, runner.sh): the
# manifest arrives on stdin. sh PROGRAM serve [WHO] runs jobs one after another on one SSH session
# (serve_jobs). Jobs run one at a time on a host, whoever sends them (locked_job).

# run_verified LENGTH SHA256 JOB [WHO]: stores the manifest from stdin and checks it (store_verified,
# protocol.sh), and only then runs the job on it: a connection cut part-way runs nothing, rather than
# the part that arrived. The job's output is kept in files beside it and sent when the job has ended,
# so a job that arrived whole runs to its end even when the link drops meanwhile (printing to a dead
# channel would be SIGPIPE).
# shellcheck disable=SC2154 # f, o and why are set by store_verified
run_verified() {
  store_verified manifest "$1" "$2" || { r=$?; printf '%s\n' "$why" >&2; exit "$r"; }
  locked_job "$3" "$f" "${4:-}" </dev/null >>"$o" 2>>"$o.err"
  r=$?
  rm -f "$f"
  cat "$o"; cat "$o.err" >&2
  rm -f "$o" "$o.err"
  exit "$r"
}

# locked_job JOB MANIFEST WHO: runs the job holding the host's lock (flock on /run/hostops/lock), so
# that two hostops processes (two shards configured by mistake, an old leader still finishing, import
# --from-host beside the operator) never interleave their jobs on a host. It waits at most 10 s for
# another holder; then it runs nothing and says who holds the lock and since when (EXIT_BUSY). The kernel
# releases the lock of a holder that died, whatever it was doing; no timer guesses. WHO (host name and
# process id of the hostops process) and the time are kept in /run/hostops/lock.holder for that message.
# The job itself does not get the lock's descriptor, so nothing it leaves running holds the lock.
#
# Each job under the lock is a line in /run/hostops/lock.log as it starts and as it ends (jobs_log),
# and when the lock's last holder was another process, the job's error output starts with the line
# "hostops-previous-holder WHO", which hostops takes off (two processes working one host: it says so).
# All of it is shell builtins (no process more per job): the time is the one of /proc/uptime.
locked_job() {
  (
    exec 9>>/run/hostops/lock || { echo "$MARK_UNSTORED" >&2; exit "$EXIT_UNSTORED"; }
    if ! flock -w 10 9; then
      echo "$MARK_BUSY$(cat /run/hostops/lock.holder 2>/dev/null || echo 'another process')" \
        "has held it since $(date -u -r /run/hostops/lock.holder '+%Y-%m-%d %H:%M:%S UTC' 2>/dev/null || echo '?')" \
        "(waited 10 s; nothing was run)" >&2
      exit "$EXIT_BUSY"
    fi
    who=${3:-hostops}
    prev=
    read -r prev 2>/dev/null </run/hostops/lock.holder
    printf '%s\n' "$who" >/run/hostops/lock.holder
    n=0
    read -r n 2>/dev/null </run/hostops/lock.seq
    case $n in '' | *[!0-9]*) n=0 ;; esac
    n=$((n + 1))
    printf '%s\n' "$n" 2>/dev/null >/run/hostops/lock.seq
    jobs_log start "$n" "$who" "$1"
    case $prev in '' | "$who") ;; *) printf '%s%s\n' "$MARK_PREVIOUS_HOLDER" "$prev" >&2 ;; esac
    sh "$0" "$1" "$2" 9>&-
    r=$?
    jobs_log end "$n" "$who" "$1" "$r"
    exit "$r"
  )
}

# jobs_log start|end SEQ WHO JOB [EXIT]: a line of /run/hostops/lock.log, the host's own record of the jobs
# run under its lock, "start SEQ UPTIME WHO JOB" and "end SEQ UPTIME WHO JOB EXIT", UPTIME being seconds
# since boot with hundredths (/proc/uptime: dash has no clock of its own, and date would be a process
# per line). The file starts with a line that dates an uptime; it goes at reboot (/run), and every 8000
# jobs (about 1 MB) it is moved to lock.log.1 and begun anew.
jobs_log() {
  read -r up _ </proc/uptime
  if [ "$1" = start ] && { [ $(($2 % 8000)) -eq 0 ] || [ ! -e /run/hostops/lock.log ]; }; then
    [ ! -e /run/hostops/lock.log ] || mv -f /run/hostops/lock.log /run/hostops/lock.log.1
    printf '# jobs run under the lock: start SEQ UPTIME WHO JOB, end SEQ UPTIME WHO JOB EXIT; UPTIME (seconds since boot) %s was %s\n' \
      "$up" "$(date -u '+%Y-%m-%d %H:%M:%S UTC')" 2>/dev/null >>/run/hostops/lock.log
  fi
  printf '%s %s %s %s %s%s\n' "$1" "$2" "$up" "$3" "$4" "${5:+ $5}" 2>/dev/null >>/run/hostops/lock.log
}

# serve_jobs [WHO]: runs jobs one after another, as long as stdin stays open: the session hostops keeps open
# to a host it manages, so that a job costs one network round trip, not the three of a new command
# (open a channel, start the command, send and wait). Each request is a line "LENGTH SHA256 JOB" and
# the LENGTH bytes of a manifest, stored and checked by store_verified (protocol.sh); each reply is a line
# "hostops-reply STATUS OUT_LENGTH ERR_LENGTH" and then the job's output and error output. A job runs
# with its output in files, so one whose link drops meanwhile runs to its end (the reply then finds
# no reader and the session ends). The session starts with the line "hostops-serving". A request
# that is malformed, incomplete or cannot be stored, or finds the program changed, is not run: its
# reply is "hostops-reply-end ..." and the session ends, for what follows it on stdin cannot be
# trusted to be a request.
serve_jobs() {
  me=${0##*/}
  me=${me%.sh}
  who=${1:-}
  printf '%s\n' "$MARK_SERVING"
  while read -r len sha job; do
    # the program file is read anew by each job: like bootstrap.sh, run it only while it is this version
    case $(sha256sum "$0" 2>/dev/null) in
      "$me "*) ;;
      *) reply_end "$EXIT_PROGRAM_MISSING" "$MARK_PROGRAM_MISSING$me is not installed" ;;
    esac
    case $len:$job in
      *[!0-9]*:* | :* | *:) reply_end 2 "hostops: malformed request" ;;
    esac
    case $job in
      facts | probe | apply | remove | logagent | inspect | pull | loginkey) ;;
      *) reply_end 2 "hostops: unknown job" ;;
    esac
    store_verified manifest "$len" "$sha" || reply_end "$?" "$why"
    trap - HUP INT TERM
    locked_job "$job" "$f" "$who" </dev/null >>"$o" 2>>"$o.err"
    r=$?
    rm -f "$f"
    # shellcheck disable=SC2046 # two sizes, digits only
    set -- $(stat -c %s "$o" "$o.err")
    # the files go before the reply is written: with the link gone, printf (a builtin) ends this shell
    # with SIGPIPE, and nothing may be left behind in /run/hostops
    exec 3<"$o" 4<"$o.err"
    rm -f "$o" "$o.err"
    printf '%s%s %s %s\n' "$MARK_REPLY" "$r" "$1" "$2"
    cat <&3
    cat <&4
    exec 3<&- 4<&-
  done
}

# reply_end STATUS MESSAGE: the reply to a request that was not run, and the end of the session
reply_end() {
  printf '%s%s 0 %s\n%s\n' "$MARK_REPLY_END" "$1" "$(printf '%s\n' "$2" | wc -c)" "$2"
  exit "$1"
}

case ${1:-} in
  run) shift; run_verified "$@" ;;
  serve) serve_jobs "${2:-}" ;;
  facts) job_facts ;;
  probe) job_probe "$2" ;;
  apply) job_apply "$2" ;;
  remove) job_remove "$2" ;;
  logagent) job_logagent "$2" ;;
  inspect) job_inspect "$2" ;;
  pull) job_pull "$2" ;;
  loginkey) job_loginkey "$2" ;;
  *) echo "usage: sh $0 facts|probe|apply|remove|logagent|inspect|pull|loginkey MANIFEST" >&2; exit 2 ;;
esac
