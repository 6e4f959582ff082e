package dev.hostops.host;

import static dev.hostops.host.HostProtocol.EXIT_BUSY;
import static dev.hostops.host.HostProtocol.EXIT_INCOMPLETE;
import static dev.hostops.host.HostProtocol.EXIT_PROGRAM_MISSING;
import static dev.hostops.host.HostProtocol.EXIT_UNSTORED;
import static dev.hostops.host.HostProtocol.MARK_BUSY;
import static dev.hostops.host.HostProtocol.MARK_INCOMPLETE;
import static dev.hostops.host.HostProtocol.MARK_PREVIOUS_HOLDER;
import static dev.hostops.host.HostProtocol.MARK_PROGRAM_MISSING;
import static dev.hostops.host.HostProtocol.MARK_UNSTORED;

import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.SshConnection;
import dev.hostops.ssh.SshTarget;
import dev.hostops.ssh.Streamed;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The host program's client on one SSH connection ({@link SshConnection}, whose host key is checked against
 * the pinned keys). Every remote action is a job of the host program ({@link HostProgram}) on a manifest of
 * data, or (for tests and reading units) a script, sent on stdin (through {@code sudo -n} for a non-root user),
 * so no value ever passes through a command line. The command itself is fixed ({@link #BOOTSTRAP}, or the
 * runner {@link #RUNNER}): it stores the input in a private temp file, checks its length and SHA-256, and only
 * then runs it: a connection cut part-way runs nothing, rather than the part that arrived.
 *
 * <p>The SSH timeout measures <em>silence</em>, not duration (see {@link SilenceWatch}): a
 * link that is slow but alive keeps a command going, one that says nothing for longer than the timeout is
 * dropped.
 */
public final class HostConnection implements AutoCloseable {
  /** The fixed runner (host/runner.sh): stores, checks and runs a script, or installs the program. */
  static final String RUNNER = HostProgram.command("runner.sh");
  /** The command of a job once the program is installed (host/bootstrap.sh). */
  static final String BOOTSTRAP = HostProgram.command("bootstrap.sh");

  private final SshConnection ssh;
  private final JobSession jobs;
  private volatile Consumer<String> jobListener = previousHolder -> { };

  private HostConnection(SshConnection ssh) {
    this.ssh = ssh;
    this.jobs = new JobSession(ssh, () -> command(BOOTSTRAP, HostProgram.sha256(), "serve", LockHolder.who()),
        ssh.timeout());
  }

  /** Called with the duration (ns) of every remote command, for metrics. */
  public void onRoundTrip(LongConsumer listener) {
    ssh.onRoundTrip(listener);
  }

  /**
   * Called after every job that ran under the host's lock, with the lock's previous holder when that was
   * another process (its WHO), else null.
   */
  public void onJob(Consumer<String> listener) {
    this.jobListener = listener;
  }

  /**
   * Connects, verifies the host key strictly, and authenticates with the private key. A target behind a
   * bastion is reached through a connection to that bastion of its own, closed with it (the command line;
   * the operator shares one bastion connection between hosts, see {@link HostSessions}).
   */
  public static HostConnection open(SshTarget target, Duration timeout) throws HostUnreachableException {
    return new HostConnection(SshConnection.open(target, timeout));
  }

  /**
   * Connects to the target through an open bastion connection, shared with other hosts behind it (see
   * {@link SshConnection#open(SshTarget, SshConnection, Duration)}).
   */
  public static HostConnection open(SshTarget target, SshConnection bastion, Duration timeout)
      throws HostUnreachableException {
    return new HostConnection(SshConnection.open(target, bastion, timeout));
  }

  public SshTarget target() {
    return ssh.target();
  }

  /** SHA256 fingerprint of the host key this connection verified, as ssh-keygen -l prints it. */
  public String hostKeyFingerprint() {
    return ssh.hostKeyFingerprint();
  }

  /** Remote commands run by this process since it started (each is one SSH round trip). */
  public static long totalRoundTrips() {
    return SshConnection.totalRoundTrips();
  }

  /** Bytes of commands and their input sent by this process since it started (the SSH framing aside). */
  public static long totalBytesSent() {
    return SshConnection.totalBytesSent();
  }

  public boolean isAlive() {
    return ssh.isAlive();
  }

  /**
   * Runs a shell script on the host as root (directly, or via {@code sudo -n} for other users).
   * The script travels on stdin, so neither it nor any value inside it is parsed by a login shell;
   * the host runs it only once all of it has arrived and its checksum matches.
   *
   * @param timeout how long the link may stay silent (nothing at all from the host); the command itself
   *     may take up to {@link SilenceWatch#commandBound} of it
   */
  public ExecResult run(String script, Duration timeout) throws HostUnreachableException {
    return run(script, Integer.MAX_VALUE, timeout);
  }

  /** Like {@link #run(String, Duration)}, but sends at most {@code sendAtMost} bytes: a cut link, for tests. */
  ExecResult run(String script, int sendAtMost, Duration timeout) throws HostUnreachableException {
    byte[] bytes = script.getBytes(StandardCharsets.UTF_8);
    return exec(command(RUNNER, String.valueOf(bytes.length), HostProgram.sha256(bytes)), bytes, sendAtMost, timeout);
  }

  /**
   * Runs a job of the host program on a manifest: the program is run only when the host has this very
   * version of it (checked by SHA-256 before each run); else it is sent with the manifest, installed and
   * run, in one more round trip (the first contact with a host, or a new hostops version).
   */
  public ExecResult run(HostProgram.Job job, Manifest manifest, Duration timeout) throws HostUnreachableException {
    return run(job, manifest, Integer.MAX_VALUE, timeout);
  }

  /** Like {@link #run(HostProgram.Job, Manifest, Duration)}, but sends at most {@code sendAtMost} bytes, for tests. */
  ExecResult run(HostProgram.Job job, Manifest manifest, int sendAtMost, Duration timeout)
      throws HostUnreachableException {
    byte[] data = manifest.bytes();
    ExecResult served = jobs.tryServe(job, data, sendAtMost, timeout);
    if (served != null) {
      return ran(checked(served));
    }
    String who = LockHolder.who();
    ExecResult r = exec(command(BOOTSTRAP, HostProgram.sha256(), "run", String.valueOf(data.length),
        HostProgram.sha256(data), job.word(), who), data, sendAtMost, timeout);
    if (r.exitCode() != EXIT_PROGRAM_MISSING || !r.stderr().startsWith(MARK_PROGRAM_MISSING)) {
      jobs.start();
      return ran(r);
    }
    byte[] program = HostProgram.bytes();
    byte[] both = new byte[program.length + data.length];
    System.arraycopy(program, 0, both, 0, program.length);
    System.arraycopy(data, 0, both, program.length, data.length);
    r = exec(command(RUNNER, String.valueOf(both.length), HostProgram.sha256(both), String.valueOf(program.length),
        HostProgram.sha256(), job.word(), who), both, sendAtMost, timeout);
    jobs.start();
    return ran(r);
  }

  /** Whether jobs on this connection currently go over its session of many jobs (for tests). */
  boolean serving() {
    return jobs.serving();
  }

  /** A job's result without the line naming the lock's previous holder, which goes to the job listener. */
  private ExecResult ran(ExecResult r) {
    String previous = null;
    String err = r.stderr();
    if (err.startsWith(MARK_PREVIOUS_HOLDER)) {
      int end = err.indexOf('\n');
      previous = err.substring(MARK_PREVIOUS_HOLDER.length(), end < 0 ? err.length() : end).strip();
      err = end < 0 ? "" : err.substring(end + 1);
      r = new ExecResult(r.exitCode(), r.stdout(), err);
    }
    jobListener.accept(previous == null || previous.isEmpty() ? null : previous);
    return r;
  }

  private ExecResult exec(String command, byte[] bytes, int sendAtMost, Duration timeout)
      throws HostUnreachableException {
    return checked(ssh.exec(command, bytes, sendAtMost, timeout));
  }

  /** The runner's and the program's own refusals (nothing was run) as the exceptions they are. */
  private ExecResult checked(ExecResult result) throws HostUnreachableException {
    String host = ssh.target().display();
    if (result.exitCode() == EXIT_BUSY && result.stderr().startsWith(MARK_BUSY)) {
      throw new HostBusyException(host + " is busy: " + result.stderr().substring(MARK_BUSY.length()).strip()
          .replace("(waited", "(another hostops process acts there; waited"));
    }
    if (result.exitCode() == EXIT_INCOMPLETE && result.stderr().startsWith(MARK_INCOMPLETE)) {
      throw new HostUnreachableException("script sent to " + host + " arrived incomplete: "
          + result.stderr().substring(MARK_INCOMPLETE.length()).strip() + "; nothing of it was run", null);
    }
    if (result.exitCode() == EXIT_UNSTORED && result.stderr().strip().endsWith(MARK_UNSTORED)) {
      String why = result.stderr().strip();
      why = why.substring(0, why.length() - MARK_UNSTORED.length()).strip();
      throw new HostUnreachableException("cannot store the script in /run/hostops on " + host
          + (why.isEmpty() ? "" : " (" + why.lines().reduce((a, b) -> b).orElse(why) + ")") + "; nothing of it was run",
          null);
    }
    return result;
  }

  /**
   * An exec command as words, each quoted for the login shell that splits the line: {@code sh -c} one of the
   * fixed commands, and its arguments (lengths, hashes, a job's name: nothing a user wrote).
   */
  private String command(String fixed, String... args) {
    return (ssh.target().needsSudo() ? "sudo -n -- " : "") + Stream.concat(Stream.of("/bin/sh", "-c", fixed, "hostops"),
        Stream.of(args)).map(ShellQuoting::quote).collect(Collectors.joining(" "));
  }

  /**
   * A command whose output is read as it comes (the command line's {@code logs -f}, {@code exec}): the
   * fixed text {@code fixed} run by {@code sh -c} with {@code args} as its positional parameters, each word
   * quoted for the login shell that splits the line, so no argument is ever parsed as shell code. Unlike
   * {@link #run}, nothing is stored first: the command is fixed text, not a script that could arrive cut.
   *
   * @param pty a terminal of this size (columns, rows) for an interactive command, or null for none
   */
  public Streamed stream(String fixed, List<String> args, int[] pty) throws HostUnreachableException {
    return ssh.stream(command(fixed, args.toArray(String[]::new)), pty);
  }

  @Override
  public void close() {
    ssh.close();
  }
}
