package dev.hostops.host;

/**
 * The words hostops and the host program say to each other beside a job's own output: the exit statuses of a
 * refusal (nothing was run) and the lines that mark them. The shell side names each once, with the same name,
 * in {@code host/protocol.sh}; {@code HostProtocolTest} checks that the two agree.
 */
final class HostProtocol {
  /** A job found the host's lock held by another process for 10 s; nothing was run. */
  static final int EXIT_BUSY = 95;
  static final String MARK_BUSY = "hostops: host busy: ";
  /** The bootstrap found the host without this version of the program; nothing was run. */
  static final int EXIT_PROGRAM_MISSING = 96;
  static final String MARK_PROGRAM_MISSING = "hostops: program ";
  /** The script (or manifest) did not arrive whole; nothing of it was run. */
  static final int EXIT_INCOMPLETE = 97;
  static final String MARK_INCOMPLETE = "hostops: script arrived incomplete: ";
  /** The script (or manifest) could not be stored (e.g. /run full); nothing was run. */
  static final int EXIT_UNSTORED = 98;
  static final String MARK_UNSTORED = "hostops: cannot store the script in /run/hostops";
  /** First line of a job's error output when the host's lock was last held by another process (locked_job). */
  static final String MARK_PREVIOUS_HOLDER = "hostops-previous-holder ";
  /** The session of many jobs (serve_jobs) is up and waits for requests. */
  static final String MARK_SERVING = "hostops-serving";
  /** A reply of the session of jobs: "hostops-reply STATUS OUT_LENGTH ERR_LENGTH". */
  static final String MARK_REPLY = "hostops-reply ";
  /** A reply to a request that was not run; the session ended. */
  static final String MARK_REPLY_END = "hostops-reply-end ";

  private HostProtocol() {}
}
