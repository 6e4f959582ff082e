package dev.hostops.host;

import dev.hostops.render.ShellQuoting;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.net.SocketFactory;
import net.schmizz.concurrent.Promise;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.keepalive.KeepAliveRunner;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.connection.channel.OpenFailException;
import net.schmizz.sshj.connection.channel.direct.DirectConnection;
import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;

/**
 * One authenticated SSH connection to a host, with its host key checked against the pinned keys.
 * Every remote action is a job of the host program ({@link HostProgram}) on a manifest of data, or (for
 * tests and reading units) a script, sent on stdin (through {@code sudo -n} for a non-root user), so no
 * value ever passes through a command line. The command itself is fixed ({@link #BOOTSTRAP}, or the
 * runner {@link #RUNNER}): it stores the input in a private temp file, checks its length and SHA-256,
 * and only then runs it: a connection cut part-way runs nothing, rather than the part that arrived.
 *
 * <p>The SSH timeout measures <em>silence</em>, not duration (see {@link #commandBound}): a link that is
 * slow but alive keeps a command going, one that says nothing for longer than the timeout is dropped.
 */
public final class HostConnection implements AutoCloseable {
  /** Exit status of the runner when the script did not arrive whole; nothing of it was run. */
  static final int INCOMPLETE = 97;
  private static final String INCOMPLETE_MARK = "hostops: script arrived incomplete: ";
  /** Exit status of the runner when it could not store the script (e.g. /run full); nothing was run. */
  static final int UNSTORED = 98;
  private static final String UNSTORED_MARK = "hostops: cannot store the script in /run/hostops";
  /** Exit status of the bootstrap when the host lacks this version of the program; nothing was run. */
  static final int PROGRAM_MISSING = 96;
  private static final String PROGRAM_MISSING_MARK = "hostops: program ";

  /** Exit status of a job that found the host's lock held by another process for 10 s; nothing was run. */
  static final int BUSY = 95;
  private static final String BUSY_MARK = "hostops: host busy: ";
  /**
   * Who holds a host's lock while this process runs a job there (host/main.sh locked_job): the machine's (or
   * pod's) name and this process's id, as a word of letters, digits and {@code .-_:}; a command a person
   * runs adds its name ({@link #identifyAsCommand}).
   */
  private static volatile String who = (System.getenv().getOrDefault("HOSTNAME", hostName()) + ":"
      + ProcessHandle.current().pid()).replaceAll("[^A-Za-z0-9._:-]", "_");
  /** First line of a job's error output when the host's lock was last held by another process (locked_job). */
  private static final String PREVIOUS_HOLDER_MARK = "hostops-previous-holder ";

  /**
   * Marks this process as a command a person runs ({@code hostops import}, {@code kubectl hostops}): its jobs
   * are held as {@code NAME:PID/COMMAND}, which an operator does not count as another process managing the host.
   */
  public static void identifyAsCommand(String command) {
    if (!who.contains("/")) {
      who = who + "/" + command.replaceAll("[^A-Za-z0-9._-]", "_");
    }
  }

  /** This process as a holder of a host's lock: {@code NAME:PID}, or {@code NAME:PID/COMMAND}. */
  public static String who() {
    return who;
  }

  /** Whether a holder of a host's lock is a command a person ran, not an operator process. */
  public static boolean isCommand(String holder) {
    return holder.contains("/");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "hostops";
    }
  }

  /** The fixed runner (host/runner.sh): stores, checks and runs a script, or installs the program. */
  static final String RUNNER = HostProgram.command("runner.sh");
  /** The command of a job once the program is installed (host/bootstrap.sh). */
  static final String BOOTSTRAP = HostProgram.command("bootstrap.sh");

  // --- silence, not duration (issue 17) ---
  /**
   * The most one remote command is given, however alive the link: 30 timeouts (15 min at the default of
   * 30 s, as long as systemd gives a unit's own pull). Within it, only silence ends a command: while it
   * runs, the host is asked every timeout / 5 to answer a {@code keepalive@openssh.com} request (sshd
   * answers at once, whatever the command does), and a long script is acknowledged every {@link #CHUNK}
   * bytes while it travels; a request left unanswered for the timeout drops the connection. (sshj's own
   * reader ignores the socket's read timeout, and its keepalive runner, which also drops an idle dead
   * connection, counts whole intervals: it is the backstop, not the clock.)
   */
  public static Duration commandBound(Duration timeout) {
    return timeout.multipliedBy(30);
  }

  /** Seconds between keepalives (sshj counts whole seconds): three chances to answer within the timeout. */
  static int keepAliveSeconds(Duration timeout) {
    return (int) Math.max(1, timeout.toSeconds() / 3);
  }

  /**
   * A script longer than {@link #AHEAD} travels in chunks, each followed by a {@code keepalive@openssh.com}
   * request that the host answers once it has read everything before it; at most AHEAD bytes are ever
   * unanswered. Without this, megabytes sit in socket buffers on a slow link, the host's answers queue
   * behind them, and a link moving 64 KB/s looks silent. The cost: a link slower than AHEAD per timeout
   * (13 KB/s at a 5 s timeout, 2 KB/s at 30 s) is taken for silent. Scripts up to AHEAD (every probe)
   * go as they are, with no extra round trip.
   */
  static final int AHEAD = 64 * 1024;
  static final int CHUNK = 16 * 1024;
  // --- end silence, not duration ---

  private static final java.util.concurrent.atomic.LongAdder ROUND_TRIPS = new java.util.concurrent.atomic.LongAdder();
  private static final java.util.concurrent.atomic.LongAdder BYTES_SENT = new java.util.concurrent.atomic.LongAdder();
  private final SshTarget target;
  private final SSHClient client;
  private final String hostKeyFingerprint;
  private final Duration timeout;
  private volatile java.util.function.LongConsumer roundTripListener = nanos -> { };
  private volatile java.util.function.Consumer<String> jobListener = previousHolder -> { };

  private HostConnection(SshTarget target, SSHClient client, String hostKeyFingerprint, Duration timeout) {
    this.target = target;
    this.client = client;
    this.hostKeyFingerprint = hostKeyFingerprint;
    this.timeout = timeout;
  }

  /** Called with the duration (ns) of every remote command, for metrics. */
  public void onRoundTrip(java.util.function.LongConsumer listener) {
    this.roundTripListener = listener;
  }

  /**
   * Called after every job that ran under the host's lock, with the lock's previous holder when that was
   * another process (its WHO), else null.
   */
  public void onJob(java.util.function.Consumer<String> listener) {
    this.jobListener = listener;
  }

  /**
   * Connects, verifies the host key strictly, and authenticates with the private key. A target behind a
   * bastion is reached through a connection to that bastion of its own, closed with it (the command line;
   * the operator shares one bastion connection between hosts, see {@link HostSessions}).
   */
  public static HostConnection open(SshTarget target, Duration timeout) throws HostUnreachableException {
    if (target.proxyJump() == null) {
      return connect(target, null, timeout);
    }
    HostConnection bastion = openBastion(target.proxyJump(), timeout);
    try {
      HostConnection c = open(target, bastion, timeout);
      c.ownedBastion = bastion;
      return c;
    } catch (HostUnreachableException e) {
      bastion.close();
      throw e;
    }
  }

  /**
   * Connects to a bastion, pinned and authenticated as strictly as a host; nothing is ever run on it. Every
   * failure is the bastion's and says so, naming it: the hosts behind it were not reached.
   */
  public static HostConnection openBastion(SshTarget bastion, Duration timeout) throws BastionUnreachableException {
    try {
      return connect(bastion, null, timeout);
    } catch (HostKeyMismatchException e) {
      throw new BastionUnreachableException("bastion " + bastion.endpoint() + ": " + ("HostKeyMismatch".equals(e.reason())
          ? "host key " + e.presentedFingerprint() + " is not among the pinned proxyJump.knownHosts; refusing to connect"
          : e.getMessage().replace("knownHosts", "proxyJump.knownHosts")), e.presentedFingerprint());
    } catch (HostUnreachableException e) {
      throw new BastionUnreachableException("bastion " + bastion.endpoint() + ": "
          + e.getMessage().replace("knownHosts", "proxyJump.knownHosts"), null);
    }
  }

  /**
   * Connects to the target through an open bastion connection: the bastion opens a TCP connection to the
   * target's address and port (a direct-tcpip channel, as OpenSSH's ProxyJump) and SSH runs inside it,
   * end to end with the target, its host key checked as for a direct connection.
   */
  public static HostConnection open(SshTarget target, HostConnection bastion, Duration timeout)
      throws HostUnreachableException {
    String through = "bastion " + bastion.target().endpoint();
    DirectConnection tunnel;
    try {
      tunnel = bastion.client.newDirectConnection(target.address(), target.port());
    } catch (OpenFailException e) {
      // the bastion answered, but could not reach the target (down, unknown name, forwarding not allowed)
      throw new HostUnreachableException(through + " cannot reach " + target.endpoint() + ": "
          + (e.getReason() == OpenFailException.Reason.ADMINISTRATIVELY_PROHIBITED
          ? "forwarding refused (is AllowTcpForwarding on there?)" : describe(e)), null);
    } catch (IOException e) {
      if (describe(e).startsWith("Timeout expired")) {
        // the bastion may be waiting for a TCP connect to a target that does not answer: the shared
        // connection stays, other hosts behind it are not dropped for this one
        throw new HostUnreachableException(through + " did not open a connection to " + target.endpoint() + " within "
            + timeout.toSeconds() + " s (the host, or the bastion, does not answer)", null);
      }
      bastion.close();
      throw new BastionUnreachableException(through + ": connection lost (" + describe(e) + ")", null);
    }
    try {
      return connect(target, tunnel, timeout);
    } catch (HostUnreachableException e) {
      closeQuietly(tunnel);
      throw e;
    }
  }

  private static HostConnection connect(SshTarget target, DirectConnection tunnel, Duration timeout)
      throws HostUnreachableException {
    HostKeyCheck pinned;
    try {
      pinned = new HostKeyCheck(target.knownHosts(), KnownHosts.verifier(target.knownHosts()));
    } catch (IOException | IllegalArgumentException e) {
      throw new HostUnreachableException(e.getMessage(), null);
    }
    DefaultConfig config = new DefaultConfig();
    // keepalive@openssh.com with a reply: a live but idle (or busy running a script) link is never silent
    config.setKeepAliveProvider(KeepAliveProvider.KEEP_ALIVE);
    // HostKeyCheck checks a host certificate whole (sshj's own check misses some of it) and says why in words
    config.setVerifyHostKeyCertificates(false);
    SSHClient client = new SSHClient(config);
    client.setSocketFactory(new NoDelaySocketFactory());
    client.setConnectTimeout((int) timeout.toMillis());
    client.setTimeout((int) timeout.toMillis());
    // an idle connection whose host stopped answering is dropped after about one timeout
    int keepAlive = keepAliveSeconds(timeout);
    client.getConnection().getKeepAlive().setKeepAliveInterval(keepAlive);
    ((KeepAliveRunner) client.getConnection().getKeepAlive())
        .setMaxAliveCount((int) Math.ceil(timeout.toSeconds() / (double) keepAlive));
    // sshj waits 30 s by default for a channel to open or close, whatever the socket timeout says: a
    // frozen host held every piece of work queued for it (and the threads running them) that long.
    client.getTransport().setTimeoutMs((int) timeout.toMillis());
    client.getConnection().setTimeoutMs((int) timeout.toMillis());
    client.addHostKeyVerifier(pinned);
    try {
      if (tunnel == null) {
        client.connect(target.address(), target.port());
      } else {
        client.connectVia(tunnel);
      }
    } catch (TransportException e) {
      closeQuietly(client);
      if (pinned.refusal() != null && e.getDisconnectReason() != null
          && e.getDisconnectReason().name().equals("HOST_KEY_NOT_VERIFIABLE")) {
        throw new HostKeyMismatchException(pinned.refusal(), pinned.presented(), pinned.reason());
      }
      throw new HostUnreachableException("ssh handshake with " + target.address() + ":" + target.port()
          + " failed: " + e.getMessage(), null);
    } catch (IOException e) {
      closeQuietly(client);
      throw new HostUnreachableException("cannot connect to " + target.address() + ":" + target.port()
          + ": " + describe(e), null);
    }
    try {
      KeyProvider key = client.loadKeys(target.privateKey(), null, null);
      client.authPublickey(target.user(), key);
    } catch (UserAuthException e) {
      closeQuietly(client);
      // a refusal has no cause (the server said no); a cause is a transport that broke on the way
      if (e.getCause() != null) {
        Throwable root = e;
        while (root.getCause() != null) {
          root = root.getCause();
        }
        throw new HostUnreachableException("connection to " + target.address() + ":" + target.port()
            + " lost during authentication: " + describe(root), null);
      }
      throw new HostUnreachableException("public key authentication as " + target.user()
          + " was refused by " + target.address(), null);
    } catch (IOException | RuntimeException e) {
      closeQuietly(client);
      // The exception text of a key parser may quote key material: never pass it on.
      throw new HostUnreachableException("cannot use the SSH private key for " + target.display()
          + " (" + e.getClass().getSimpleName() + ")", null);
    }
    HostConnection c = new HostConnection(target, client, pinned.presented(), timeout);
    c.tunnel = tunnel;
    return c;
  }

  /**
   * Whether the peer answers a keepalive within {@code wait}: a bastion whose connection looks open can
   * be frozen or gone (TCP has not noticed yet), and then every host behind it seems not to answer.
   */
  boolean answers(Duration wait) {
    try {
      client.getConnection().sendGlobalRequest("keepalive@openssh.com", true, new byte[0])
          .retrieve(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (IOException | RuntimeException e) {
      // OpenSSH refuses a global request it does not know: that refusal is an answer
      return isAlive() && describe(e).startsWith("Global request");
    }
  }

  /** The channel through a bastion this connection runs in, or null when direct. */
  private DirectConnection tunnel;
  /** A bastion connection opened for this connection alone (the command line), closed with it. */
  private HostConnection ownedBastion;

  public SshTarget target() {
    return target;
  }

  /** SHA256 fingerprint of the host key this connection verified, as ssh-keygen -l prints it. */
  public String hostKeyFingerprint() {
    return hostKeyFingerprint;
  }

  /** Remote commands run by this process since it started (each is one SSH round trip). */
  public static long totalRoundTrips() {
    return ROUND_TRIPS.sum();
  }

  /** Bytes of commands and their input sent by this process since it started (the SSH framing aside). */
  public static long totalBytesSent() {
    return BYTES_SENT.sum();
  }

  public boolean isAlive() {
    return client.isConnected() && client.isAuthenticated();
  }

  /**
   * Runs a shell script on the host as root (directly, or via {@code sudo -n} for other users).
   * The script travels on stdin, so neither it nor any value inside it is parsed by a login shell;
   * the host runs it only once all of it has arrived and its checksum matches.
   *
   * @param timeout how long the link may stay silent (nothing at all from the host); the command itself
   *     may take up to {@link #commandBound} of it
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
    if (jobSessionLock.tryLock()) {
      try {
        ExecResult served = serve(job, data, sendAtMost, timeout);
        if (served != null) {
          return ran(served);
        }
      } finally {
        jobSessionLock.unlock();
      }
    }
    ExecResult r = exec(command(BOOTSTRAP, HostProgram.sha256(), "run", String.valueOf(data.length),
        HostProgram.sha256(data), job.word(), who), data, sendAtMost, timeout);
    if (r.exitCode() != PROGRAM_MISSING || !r.stderr().startsWith(PROGRAM_MISSING_MARK)) {
      startJobSession();
      return ran(r);
    }
    byte[] program = HostProgram.bytes();
    byte[] both = new byte[program.length + data.length];
    System.arraycopy(program, 0, both, 0, program.length);
    System.arraycopy(data, 0, both, program.length, data.length);
    r = exec(command(RUNNER, String.valueOf(both.length), HostProgram.sha256(both), String.valueOf(program.length),
        HostProgram.sha256(), job.word(), who), both, sendAtMost, timeout);
    startJobSession();
    return ran(r);
  }

  /** A job's result without the line naming the lock's previous holder, which goes to the job listener. */
  private ExecResult ran(ExecResult r) {
    String previous = null;
    String err = r.stderr();
    if (err.startsWith(PREVIOUS_HOLDER_MARK)) {
      int end = err.indexOf('\n');
      previous = err.substring(PREVIOUS_HOLDER_MARK.length(), end < 0 ? err.length() : end).strip();
      err = end < 0 ? "" : err.substring(end + 1);
      r = new ExecResult(r.exitCode(), r.stdout(), err);
    }
    jobListener.accept(previous == null || previous.isEmpty() ? null : previous);
    return r;
  }

  // --- one round trip per job (issue 17) ---
  /*
   * The session of many jobs (host/main.sh serve_jobs), kept open beside the connection once the program is
   * on the host: a job then costs one network round trip (its request out, its reply back), not the three of
   * a new command (open a channel; start the command and wait for sshd's answer, which must come before any
   * input, or sshd drops the input; send the input and wait for the end). It is started in the background
   * after the first job that ran as a command, so starting it costs no job anything. A job that finds it busy
   * (another job of this connection is on it), not started yet or ended runs as a command, as before. Its
   * promises are the command's: the manifest is stored and checked before the job runs; a job runs to its
   * end on the host when the link drops; silence, not duration, ends the wait.
   */
  private final java.util.concurrent.locks.ReentrantLock jobSessionLock = new java.util.concurrent.locks.ReentrantLock();
  private volatile JobSession jobSession;
  private final java.util.concurrent.atomic.AtomicBoolean jobSessionStarting = new java.util.concurrent.atomic.AtomicBoolean();
  /** Starts that failed (a host whose sudo refuses, say): after {@link #JOB_SESSION_TRIES}, jobs stay commands. */
  private final java.util.concurrent.atomic.AtomicInteger jobSessionFailures = new java.util.concurrent.atomic.AtomicInteger();
  static final int JOB_SESSION_TRIES = 3;
  private static final String SERVING = "hostops-serving";
  private static final String REPLY = "hostops-reply ";
  private static final String REPLY_END = "hostops-reply-end ";

  private record JobSession(Session session, Session.Command cmd) {
    boolean open() {
      return cmd.isOpen() && !cmd.isEOF();
    }

    void close() {
      try {
        session.close();
      } catch (IOException | RuntimeException e) {
        // already gone
      }
    }
  }

  /** Whether jobs on this connection currently go over its session of many jobs (for tests). */
  boolean serving() {
    JobSession s = jobSession;
    return s != null && s.open();
  }

  /** Starts the session of many jobs in the background, unless one runs, is starting, or starts keep failing. */
  private void startJobSession() {
    JobSession s = jobSession;
    if ((s != null && s.open()) || jobSessionFailures.get() >= JOB_SESSION_TRIES || !isAlive()
        || !jobSessionStarting.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture.runAsync(() -> {
      Session session = null;
      try {
        session = client.startSession();
        Session.Command cmd = session.exec(command(BOOTSTRAP, HostProgram.sha256(), "serve", who));
        // the program says it is there and serving before any job is given to it
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> line(cmd.getInputStream()));
        if (!SERVING.equals(ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS))) {
          throw new IOException("the host did not start the session of jobs");
        }
        JobSession old = jobSession;
        jobSession = new JobSession(session, cmd);
        if (old != null) {
          old.close();
        }
        jobSessionFailures.set(0);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        jobSessionFailures.incrementAndGet();
        if (session != null) {
          try {
            session.close();
          } catch (IOException | RuntimeException ignored) {
            // already gone
          }
        }
      } finally {
        jobSessionStarting.set(false);
      }
    });
  }

  /**
   * Runs a job over the session of many jobs, or returns null when it is not there (not started, ended) and
   * nothing was sent: the job then runs as a command.
   */
  private ExecResult serve(HostProgram.Job job, byte[] data, int sendAtMost, Duration timeout)
      throws HostUnreachableException {
    JobSession s = jobSession;
    if (s == null) {
      return null;
    }
    if (!s.open()) {
      jobSession = null;
      s.close();
      return null;
    }
    byte[] head = (data.length + " " + HostProgram.sha256(data) + " " + job.word() + "\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[head.length + data.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(data, 0, request, head.length, data.length);
    int sending = (int) Math.min(request.length, (long) head.length + Math.min(data.length, sendAtMost));
    ROUND_TRIPS.increment();
    BYTES_SENT.add(sending);
    long start = System.nanoTime();
    boolean sent = false;
    ExecResult result;
    java.util.concurrent.atomic.AtomicBoolean ended = new java.util.concurrent.atomic.AtomicBoolean();
    CompletableFuture<ExecResult> reply = CompletableFuture.supplyAsync(() -> reply(s.cmd().getInputStream(), ended));
    try {
      OutputStream in = s.cmd().getOutputStream();
      send(in, request, sending);
      in.flush();
      sent = sending >= request.length;
      if (!sent) {
        // a link cut part-way, for tests: the host finds the manifest short, runs nothing and says so
        in.close();
      }
      Duration bound = commandBound(timeout);
      if (!awaitEnd(ms -> {
        try {
          reply.get(ms, TimeUnit.MILLISECONDS);
          return true;
        } catch (java.util.concurrent.TimeoutException e) {
          return false;
        }
      }, bound)) {
        jobSession = null;
        s.close();
        throw new ScriptInterruptedException("remote command on " + target.display() + " did not finish within "
            + bound.toSeconds() + " s (the most one command is given: 30 SSH timeouts), although the link was alive;"
            + " it runs to its end on the host, and the next probe shows what it did");
      }
      result = reply.get();
      roundTripListener.accept(System.nanoTime() - start);
    } catch (HostUnreachableException e) {
      throw e;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      jobSession = null;
      s.close();
      if (client.getTransport().isRunning() && !(e instanceof Silence)) {
        // the link is there, only the session of jobs ended (its shell was killed, say)
        if (!sent) {
          // nothing whole arrived, so nothing ran: the job runs as a command
          return null;
        }
        throw new ScriptInterruptedException("the session of jobs on " + target.display() + " ended after the job"
            + " was sent (" + describe(e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e)
            + "); it may have run, and the next probe shows what it did");
      }
      throw lost(e, sent);
    }
    if (ended.get()) {
      // the program ran nothing and ended the session: what followed on its input could not be trusted
      jobSession = null;
      s.close();
      startJobSession();
      if (result.exitCode() == PROGRAM_MISSING && result.stderr().startsWith(PROGRAM_MISSING_MARK)) {
        return null; // the program file changed or went: the command sends it again
      }
    }
    return checked(result);
  }

  /**
   * One reply of the session of jobs: a line "hostops-reply STATUS OUT_LENGTH ERR_LENGTH", then both outputs;
   * "hostops-reply-end" instead says the job was not run and the session ended ({@code ended} is set).
   */
  private static ExecResult reply(InputStream in, java.util.concurrent.atomic.AtomicBoolean ended) {
    try {
      String head = line(in);
      if (head != null && head.startsWith(REPLY_END)) {
        ended.set(true);
        head = REPLY + head.substring(REPLY_END.length());
      }
      if (head == null || !head.startsWith(REPLY)) {
        throw new IOException(head == null ? "the session of jobs ended" : "not a reply: " + head);
      }
      String[] f = head.substring(REPLY.length()).split(" ");
      if (f.length != 3) {
        throw new IOException("not a reply: " + head);
      }
      byte[] out = exactly(in, Integer.parseInt(f[1]));
      byte[] err = exactly(in, Integer.parseInt(f[2]));
      if (out.length != Integer.parseInt(f[1]) || err.length != Integer.parseInt(f[2])) {
        throw new IOException("the session of jobs ended within a reply");
      }
      return new ExecResult(Integer.parseInt(f[0]), new String(out, StandardCharsets.UTF_8),
          new String(err, StandardCharsets.UTF_8));
    } catch (IOException | NumberFormatException e) {
      throw new java.util.concurrent.CompletionException(e);
    }
  }

  /**
   * The next {@code n} bytes, or fewer at the end of the stream. Not {@code InputStream.readNBytes}: it ends
   * with a read of 0 bytes, and sshj's channel stream waits for data even then (a reply hung on it).
   */
  private static byte[] exactly(InputStream in, int n) throws IOException {
    byte[] b = new byte[n];
    int got = 0;
    while (got < n) {
      int r = in.read(b, got, n - got);
      if (r < 0) {
        return java.util.Arrays.copyOf(b, got);
      }
      got += r;
    }
    return b;
  }

  /** A line of ASCII (at most 200 bytes), or null at the end of the stream. */
  private static String line(InputStream in) {
    StringBuilder b = new StringBuilder();
    try {
      for (int c = in.read(); c != '\n'; c = in.read()) {
        if (c < 0 || b.length() > 200) {
          return c < 0 && b.length() == 0 ? null : b.toString();
        }
        b.append((char) c);
      }
    } catch (IOException e) {
      return null;
    }
    return b.toString();
  }
  // --- end one round trip per job ---

  private ExecResult exec(String command, byte[] bytes, int sendAtMost, Duration timeout)
      throws HostUnreachableException {
    ROUND_TRIPS.increment();
    BYTES_SENT.add(command.length() + (long) Math.min(bytes.length, sendAtMost));
    long start = System.nanoTime();
    ExecResult result;
    boolean sent = false;
    try (Session session = client.startSession()) {
      try {
        Session.Command cmd = session.exec(command);
        CompletableFuture<byte[]> out = drain(cmd.getInputStream());
        CompletableFuture<byte[]> err = drain(cmd.getErrorStream());
        OutputStream stdin = cmd.getOutputStream();
        try {
          send(stdin, bytes, Math.min(bytes.length, sendAtMost));
          // every byte is on its way: the host may run it from here on, whatever happens to the link
          sent = sendAtMost >= bytes.length;
          stdin.close();
        } catch (IOException e) {
          // a command that ended without reading its input (the bootstrap finding no program: exit 96)
          // closes the channel under the writer: its exit status is the answer, not the closed stream
          cmd.join(timeout.toMillis(), TimeUnit.MILLISECONDS);
          if (cmd.getExitStatus() == null || !client.isConnected()) {
            throw e;
          }
        }
        Duration bound = commandBound(timeout);
        awaitEnd(ms -> {
          try {
            cmd.join(ms, TimeUnit.MILLISECONDS);
            return true;
          } catch (ConnectionException e) {
            if (describe(e).startsWith("Timeout expired") && client.getTransport().isRunning()) {
              return false; // still running
            }
            throw e;
          }
        }, bound);
        Integer exit = cmd.getExitStatus();
        if (exit == null) {
          throw new ScriptInterruptedException("remote command on " + target.display() + " did not finish within "
              + bound.toSeconds() + " s (the most one command is given: 30 SSH timeouts), although the link was alive;"
              + " it runs to its end on the host, and the next probe shows what it did");
        }
        roundTripListener.accept(System.nanoTime() - start);
        result = new ExecResult(exit,
            new String(out.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8),
            new String(err.get(timeout.toMillis(), TimeUnit.MILLISECONDS), StandardCharsets.UTF_8));
      } catch (Exception e) {
        // the connection is broken or the host does not answer: drop it at once, rather than wait for
        // the channel's orderly close (a frozen host never confirms it)
        closeQuietly(client);
        throw e;
      }
    } catch (HostUnreachableException e) {
      throw e;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      throw lost(e, sent);
    }
    return checked(result);
  }

  /** What a command, or a job, that broke off says: whether it may have run depends on whether all of it was sent. */
  private HostUnreachableException lost(Exception e, boolean sent) {
    if (e instanceof Silence || silent(e)) {
      // the connection's own timeout is the socket's: that is the silence that ended it
      closeQuietly(client);
      String silence = "no answer from " + target.display() + " for " + this.timeout.toSeconds()
          + " s, the SSH timeout (the link went silent)";
      if (sent) {
        return new ScriptInterruptedException(silence + " after the script was sent; it runs to its end on the host,"
            + " and the next probe shows what it did");
      }
      return new HostUnreachableException(silence + " before the script had arrived; nothing of it was run", null);
    }
    closeQuietly(client);
    Throwable cause = e instanceof java.util.concurrent.ExecutionException && e.getCause() != null ? e.getCause() : e;
    if (sent) {
      return new ScriptInterruptedException("connection to " + target.display() + " lost after the script was sent ("
          + describe(cause) + "); it runs to its end on the host, and the next probe shows what it did");
    }
    return new HostUnreachableException("ssh session to " + target.display() + " failed: " + describe(cause), null);
  }

  /** The runner's and the program's own refusals (nothing was run) as the exceptions they are. */
  private ExecResult checked(ExecResult result) throws HostUnreachableException {
    if (result.exitCode() == BUSY && result.stderr().startsWith(BUSY_MARK)) {
      throw new HostBusyException(target.display() + " is busy: " + result.stderr().substring(BUSY_MARK.length()).strip()
          .replace("(waited", "(another hostops process acts there; waited"));
    }
    if (result.exitCode() == INCOMPLETE && result.stderr().startsWith(INCOMPLETE_MARK)) {
      throw new HostUnreachableException("script sent to " + target.display() + " arrived incomplete: "
          + result.stderr().substring(INCOMPLETE_MARK.length()).strip() + "; nothing of it was run", null);
    }
    if (result.exitCode() == UNSTORED && result.stderr().strip().endsWith(UNSTORED_MARK)) {
      String why = result.stderr().strip();
      why = why.substring(0, why.length() - UNSTORED_MARK.length()).strip();
      throw new HostUnreachableException("cannot store the script in /run/hostops on " + target.display()
          + (why.isEmpty() ? "" : " (" + why.lines().reduce((a, b) -> b).orElse(why) + ")") + "; nothing of it was run",
          null);
    }
    return result;
  }

  /** Sends the script; a long one in acknowledged chunks (see {@link #AHEAD}). */
  private void send(OutputStream stdin, byte[] bytes, int length) throws IOException, Silence {
    if (length <= AHEAD) {
      stdin.write(bytes, 0, length);
      return;
    }
    java.util.ArrayDeque<Promise<SSHPacket, ConnectionException>> unanswered = new java.util.ArrayDeque<>();
    for (int off = 0; off < length; off += CHUNK) {
      stdin.write(bytes, off, Math.min(CHUNK, length - off));
      stdin.flush();
      unanswered.add(client.getConnection().sendGlobalRequest("keepalive@openssh.com", true, new byte[0]));
      while ((long) unanswered.size() * CHUNK > AHEAD) {
        awaitAnswer(unanswered.poll());
      }
    }
  }

  /** Waits for the host's answer to a keepalive request, at most the timeout: else the link is silent. */
  private void awaitAnswer(Promise<SSHPacket, ConnectionException> answer) throws ConnectionException, Silence {
    try {
      if (answer.tryRetrieve(timeout.toMillis(), TimeUnit.MILLISECONDS) == null) {
        throw new Silence();
      }
    } catch (ConnectionException e) {
      // OpenSSH answers keepalive@openssh.com with "request failed": that is the answer we wait for
      if (!client.getTransport().isRunning()) {
        throw e;
      }
    }
  }

  /** Waits up to the given milliseconds for something to end: true when it did, false when it still runs. */
  private interface Wait {
    boolean upTo(long millis) throws Exception;
  }

  /**
   * Waits for a command (or a job) to end, at most {@code bound}, asking the host to answer a keepalive every
   * timeout / 5 meanwhile: one left unanswered for the timeout means the link is silent (noticed at most
   * timeout / 5 late). Returns whether it ended.
   */
  private boolean awaitEnd(Wait end, Duration bound) throws Exception {
    long deadline = System.nanoTime() + bound.toNanos();
    long every = Math.max(200, timeout.toMillis() / 5);
    Promise<SSHPacket, ConnectionException> asked = null;
    long askedAt = 0;
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      if (end.upTo(Math.min(every, TimeUnit.NANOSECONDS.toMillis(left) + 1))) {
        return true;
      }
      // still running: is the host still there?
      if (asked != null && asked.isFulfilled()) {
        asked = null;
      }
      if (asked == null) {
        asked = client.getConnection().sendGlobalRequest("keepalive@openssh.com", true, new byte[0]);
        askedAt = System.nanoTime();
      } else if (System.nanoTime() - askedAt > timeout.toNanos()) {
        throw new Silence();
      }
    }
  }

  /** Nothing came back from the host for the SSH timeout. */
  private static final class Silence extends Exception {
    Silence() {
      super("the link went silent", null, false, false);
    }
  }

  /** sshj's keepalive runner gave up (it counts unanswered requests): the same silence. */
  private static boolean silent(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof net.schmizz.sshj.common.SSHException ssh
          && ssh.getDisconnectReason() == net.schmizz.sshj.common.DisconnectReason.CONNECTION_LOST
          && String.valueOf(ssh.getMessage()).contains("keep-alive")) {
        return true;
      }
    }
    return false;
  }

  /**
   * An exec command as words, each quoted for the login shell that splits the line: {@code sh -c} one of the
   * fixed commands, and its arguments (lengths, hashes, a job's name: nothing a user wrote).
   */
  private String command(String fixed, String... args) {
    return (target.needsSudo() ? "sudo -n -- " : "") + Stream.concat(Stream.of("/bin/sh", "-c", fixed, "hostops"),
        Stream.of(args)).map(ShellQuoting::quote).collect(Collectors.joining(" "));
  }

  @Override
  public void close() {
    closeQuietly(client);
    if (tunnel != null) {
      closeQuietly(tunnel);
    }
    if (ownedBastion != null) {
      ownedBastion.close();
    }
  }

  private static void closeQuietly(DirectConnection tunnel) {
    try {
      tunnel.close();
    } catch (IOException | RuntimeException e) {
      // already gone
    }
  }

  private static CompletableFuture<byte[]> drain(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      try {
        in.transferTo(buf);
      } catch (IOException e) {
        // the channel closed; return what was read
      }
      return buf.toByteArray();
    });
  }

  static String fingerprint(PublicKey key) {
    byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }

  private static void closeQuietly(SSHClient client) {
    try {
      client.disconnect();
    } catch (IOException | RuntimeException e) {
      // already gone
    }
  }

  // --- streaming commands, for the kubectl plugin (logs -f, exec) ---

  /**
   * A command whose output is read as it comes (the command line's {@code logs -f}, {@code exec}): the
   * fixed text {@code fixed} run by {@code sh -c} with {@code args} as its positional parameters, each word
   * quoted for the login shell that splits the line, so no argument is ever parsed as shell code. Unlike
   * {@link #run}, nothing is stored first: the command is fixed text, not a script that could arrive cut.
   *
   * @param pty a terminal of this size (columns, rows) for an interactive command, or null for none
   */
  public Streamed stream(String fixed, List<String> args, int[] pty) throws HostUnreachableException {
    ROUND_TRIPS.increment();
    try {
      Session session = client.startSession();
      try {
        if (pty != null) {
          session.allocatePTY(System.getenv().getOrDefault("TERM", "xterm"), pty[0], pty[1], 0, 0, java.util.Map.of());
        }
        return new Streamed(session, session.exec(command(fixed, args.toArray(String[]::new))));
      } catch (IOException | RuntimeException e) {
        closeQuietly(session);
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      throw new HostUnreachableException("ssh session to " + target.display() + " failed: " + describe(e), null);
    }
  }

  private static void closeQuietly(Session session) {
    try {
      session.close();
    } catch (IOException | RuntimeException e) {
      // already gone
    }
  }

  /** A running streamed command: its streams, its exit status once it ended, and closing its channel. */
  public static final class Streamed implements AutoCloseable {
    private final Session session;
    private final Session.Command command;

    Streamed(Session session, Session.Command command) {
      this.session = session;
      this.command = command;
    }

    public InputStream stdout() {
      return command.getInputStream();
    }

    public InputStream stderr() {
      return command.getErrorStream();
    }

    public OutputStream stdin() {
      return command.getOutputStream();
    }

    /** Waits for the command to end; its exit status, or null when the channel closed without one. */
    public Integer await() throws IOException {
      command.join();
      return command.getExitStatus();
    }

    /** Tells the terminal the window's new size. */
    public void resize(int columns, int rows) throws IOException {
      ((net.schmizz.sshj.connection.channel.direct.SessionChannel) command).changeWindowDimensions(columns, rows, 0, 0);
    }

    /** Closes the channel: the host's end sees its input end (the commands the plugin runs stop on that). */
    @Override
    public void close() {
      closeQuietly(session);
    }
  }

  /** Without TCP_NODELAY every round trip waits ~40 ms for a delayed ACK (measured, DESIGN.md). */
  private static final class NoDelaySocketFactory extends SocketFactory {
    private final SocketFactory plain = SocketFactory.getDefault();

    @Override
    public Socket createSocket() throws IOException {
      Socket s = plain.createSocket();
      s.setTcpNoDelay(true);
      return s;
    }

    @Override
    public Socket createSocket(String host, int port) throws IOException {
      Socket s = plain.createSocket(host, port);
      s.setTcpNoDelay(true);
      return s;
    }

    @Override
    public Socket createSocket(String host, int port, InetAddress localHost, int localPort) throws IOException {
      Socket s = plain.createSocket(host, port, localHost, localPort);
      s.setTcpNoDelay(true);
      return s;
    }

    @Override
    public Socket createSocket(InetAddress host, int port) throws IOException {
      Socket s = plain.createSocket(host, port);
      s.setTcpNoDelay(true);
      return s;
    }

    @Override
    public Socket createSocket(InetAddress address, int port, InetAddress localAddress, int localPort)
        throws IOException {
      Socket s = plain.createSocket(address, port, localAddress, localPort);
      s.setTcpNoDelay(true);
      return s;
    }
  }
}
