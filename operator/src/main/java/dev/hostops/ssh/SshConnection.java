package dev.hostops.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;
import net.schmizz.keepalive.KeepAliveProvider;
import net.schmizz.keepalive.KeepAliveRunner;
import net.schmizz.sshj.DefaultConfig;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.connection.ConnectionException;
import net.schmizz.sshj.connection.channel.OpenFailException;
import net.schmizz.sshj.connection.channel.direct.DirectConnection;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.transport.TransportException;
import net.schmizz.sshj.userauth.UserAuthException;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;

/**
 * One authenticated SSH connection, with its host key checked against the pinned keys ({@link HostKeyCheck}),
 * directly or through a bastion; and the commands run on it, each bounded by silence, not duration
 * ({@link SilenceWatch}). What the commands are, and what their answers mean, is the host program's
 * business (the {@code host} package): this class moves bytes and says when the link failed.
 */
public final class SshConnection implements AutoCloseable {
  private static final LongAdder ROUND_TRIPS = new LongAdder();
  private static final LongAdder BYTES_SENT = new LongAdder();
  private final SshTarget target;
  private final SSHClient client;
  private final String hostKeyFingerprint;
  private final Duration timeout;
  private final SilenceWatch watch;
  private volatile LongConsumer roundTripListener = nanos -> { };
  /** The channel through a bastion this connection runs in, or null when direct. */
  private DirectConnection tunnel;
  /** A bastion connection opened for this connection alone (the command line), closed with it. */
  private SshConnection ownedBastion;

  private SshConnection(SshTarget target, SSHClient client, String hostKeyFingerprint, Duration timeout) {
    this.target = target;
    this.client = client;
    this.hostKeyFingerprint = hostKeyFingerprint;
    this.timeout = timeout;
    this.watch = new SilenceWatch(client, timeout);
  }

  /** Called with the duration (ns) of every remote command, for metrics. */
  public void onRoundTrip(LongConsumer listener) {
    this.roundTripListener = listener;
  }

  /**
   * Connects, verifies the host key strictly, and authenticates with the private key. A target behind a
   * bastion is reached through a connection to that bastion of its own, closed with it (the command line;
   * the operator shares one bastion connection between hosts, see {@link BastionConnections}).
   */
  public static SshConnection open(SshTarget target, Duration timeout) throws HostUnreachableException {
    if (target.proxyJump() == null) {
      return connect(target, null, timeout);
    }
    SshConnection bastion = openBastion(target.proxyJump(), timeout);
    try {
      SshConnection c = open(target, bastion, timeout);
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
  public static SshConnection openBastion(SshTarget bastion, Duration timeout) throws BastionUnreachableException {
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
  public static SshConnection open(SshTarget target, SshConnection bastion, Duration timeout)
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

  private static SshConnection connect(SshTarget target, DirectConnection tunnel, Duration timeout)
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
    int keepAlive = SilenceWatch.keepAliveSeconds(timeout);
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
      throw new LoginRefusedException("public key authentication as " + target.user()
          + " was refused by " + target.address());
    } catch (IOException | RuntimeException e) {
      closeQuietly(client);
      // The exception text of a key parser may quote key material: never pass it on.
      throw new HostUnreachableException("cannot use the SSH private key for " + target.display()
          + " (" + e.getClass().getSimpleName() + ")", null);
    }
    SshConnection c = new SshConnection(target, client, pinned.presented(), timeout);
    c.tunnel = tunnel;
    return c;
  }

  /**
   * Whether the peer answers a keepalive within {@code wait}: a bastion whose connection looks open can
   * be frozen or gone (TCP has not noticed yet), and then every host behind it seems not to answer.
   */
  public boolean answers(Duration wait) {
    try {
      client.getConnection().sendGlobalRequest("keepalive@openssh.com", true, new byte[0])
          .retrieve(wait.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (IOException | RuntimeException e) {
      // OpenSSH refuses a global request it does not know: that refusal is an answer
      return isAlive() && describe(e).startsWith("Global request");
    }
  }

  public SshTarget target() {
    return target;
  }

  /** How long the link may stay silent. */
  public Duration timeout() {
    return timeout;
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

  /** Counts a round trip that sends {@code bytes} on a channel already open (the session of jobs). */
  public static void countRoundTrip(long bytes) {
    ROUND_TRIPS.increment();
    BYTES_SENT.add(bytes);
  }

  /** Tells the round-trip listener that one took {@code nanos}. */
  public void tookRoundTrip(long nanos) {
    roundTripListener.accept(nanos);
  }

  public boolean isAlive() {
    return client.isConnected() && client.isAuthenticated();
  }

  /** Whether the SSH transport still runs (a channel on it may have ended). */
  public boolean transportRunning() {
    return client.getTransport().isRunning();
  }

  /** The silence watch of this connection: chunked sends and waits that end only on silence. */
  public SilenceWatch watch() {
    return watch;
  }

  /** A new channel for a command that stays open (the session of jobs); the caller closes it. */
  public Session startSession() throws IOException {
    return client.startSession();
  }

  /**
   * Runs {@code command} with {@code bytes} (at most {@code sendAtMost} of them, for tests) on its stdin and
   * waits for its end, at most {@link SilenceWatch#commandBound} and only while the link answers. Returns
   * what it printed and its exit status, whatever that is.
   */
  public ExecResult exec(String command, byte[] bytes, int sendAtMost, Duration timeout)
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
          watch.send(stdin, bytes, Math.min(bytes.length, sendAtMost));
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
        Duration bound = SilenceWatch.commandBound(timeout);
        watch.awaitEnd(ms -> {
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
          throw tooLong(bound);
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
    return result;
  }

  /** A command, or a job, that ran for the whole bound while the link stayed alive. */
  public ScriptInterruptedException tooLong(Duration bound) {
    return new ScriptInterruptedException("remote command on " + target.display() + " did not finish within "
        + bound.toSeconds() + " s (the most one command is given: 30 SSH timeouts), although the link was alive;"
        + " it runs to its end on the host, and the next probe shows what it did");
  }

  /** What a command, or a job, that broke off says: whether it may have run depends on whether all of it was sent. */
  public HostUnreachableException lost(Exception e, boolean sent) {
    if (SilenceWatch.isSilence(e)) {
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
    Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
    if (sent) {
      return new ScriptInterruptedException("connection to " + target.display() + " lost after the script was sent ("
          + describe(cause) + "); it runs to its end on the host, and the next probe shows what it did");
    }
    return new HostUnreachableException("ssh session to " + target.display() + " failed: " + describe(cause), null);
  }

  /**
   * A command whose output is read as it comes (the command line's {@code logs -f}, {@code exec}). Nothing
   * is stored first: the command is fixed text, not a script that could arrive cut.
   *
   * @param pty a terminal of this size (columns, rows) for an interactive command, or null for none
   */
  public Streamed stream(String command, int[] pty) throws HostUnreachableException {
    ROUND_TRIPS.increment();
    try {
      Session session = client.startSession();
      try {
        if (pty != null) {
          session.allocatePTY(System.getenv().getOrDefault("TERM", "xterm"), pty[0], pty[1], 0, 0, Map.of());
        }
        return new Streamed(session, session.exec(command));
      } catch (IOException | RuntimeException e) {
        Streamed.closeQuietly(session);
        throw e;
      }
    } catch (IOException | RuntimeException e) {
      throw new HostUnreachableException("ssh session to " + target.display() + " failed: " + describe(e), null);
    }
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

  private static void closeQuietly(SSHClient client) {
    try {
      client.disconnect();
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

  /** SHA256 fingerprint of a public key, as ssh-keygen -l prints it. */
  public static String fingerprint(PublicKey key) {
    byte[] blob = new Buffer.PlainBuffer().putPublicKey(key).getCompactData();
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(blob);
      return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** An exception's message, or its kind when it has none. */
  public static String describe(Throwable e) {
    String m = e.getMessage();
    return m == null || m.isBlank() ? e.getClass().getSimpleName() : m;
  }
}
