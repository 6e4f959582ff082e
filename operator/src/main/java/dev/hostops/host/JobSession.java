package dev.hostops.host;

import static dev.hostops.host.HostProtocol.EXIT_PROGRAM_MISSING;
import static dev.hostops.host.HostProtocol.MARK_PROGRAM_MISSING;
import static dev.hostops.host.HostProtocol.MARK_REPLY;
import static dev.hostops.host.HostProtocol.MARK_REPLY_END;
import static dev.hostops.host.HostProtocol.MARK_SERVING;

import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.ScriptInterruptedException;
import dev.hostops.ssh.SilenceWatch;
import dev.hostops.ssh.SshConnection;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import net.schmizz.sshj.connection.channel.direct.Session;

/**
 * One round trip per job (issue 17): the session of many jobs (host/main.sh serve_jobs), kept open beside the
 * connection once the program is on the host: a job then costs one network round trip (its request out, its
 * reply back), not the three of a new command (open a channel; start the command and wait for sshd's answer,
 * which must come before any input, or sshd drops the input; send the input and wait for the end). It is
 * started in the background after the first job that ran as a command, so starting it costs no job anything.
 * A job that finds it busy (another job of this connection is on it), not started yet or ended runs as a
 * command, as before. Its promises are the command's: the manifest is stored and checked before the job runs;
 * a job runs to its end on the host when the link drops; silence, not duration, ends the wait.
 */
final class JobSession {
  /** Starts that failed (a host whose sudo refuses, say): after this many, jobs stay commands. */
  static final int TRIES = 3;

  private record Channel(Session session, Session.Command cmd) {
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

  private final SshConnection ssh;
  /** The command that starts the session on the host (the bootstrap's {@code serve}). */
  private final Supplier<String> command;
  private final Duration timeout;
  private final ReentrantLock lock = new ReentrantLock();
  private volatile Channel channel;
  private final AtomicBoolean starting = new AtomicBoolean();
  private final AtomicInteger failures = new AtomicInteger();

  JobSession(SshConnection ssh, Supplier<String> command, Duration timeout) {
    this.ssh = ssh;
    this.command = command;
    this.timeout = timeout;
  }

  /** Whether jobs currently go over the session (for tests). */
  boolean serving() {
    Channel c = channel;
    return c != null && c.open();
  }

  /** Starts the session in the background, unless one runs, is starting, or starts keep failing. */
  void start() {
    Channel c = channel;
    if ((c != null && c.open()) || failures.get() >= TRIES || !ssh.isAlive()
        || !starting.compareAndSet(false, true)) {
      return;
    }
    CompletableFuture.runAsync(() -> {
      Session session = null;
      try {
        session = ssh.startSession();
        Session.Command cmd = session.exec(command.get());
        // the program says it is there and serving before any job is given to it
        CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> line(cmd.getInputStream()));
        if (!MARK_SERVING.equals(ready.get(timeout.toMillis(), TimeUnit.MILLISECONDS))) {
          throw new IOException("the host did not start the session of jobs");
        }
        Channel old = channel;
        channel = new Channel(session, cmd);
        if (old != null) {
          old.close();
        }
        failures.set(0);
      } catch (Exception e) {
        if (e instanceof InterruptedException) {
          Thread.currentThread().interrupt();
        }
        failures.incrementAndGet();
        if (session != null) {
          try {
            session.close();
          } catch (IOException | RuntimeException ignored) {
            // already gone
          }
        }
      } finally {
        starting.set(false);
      }
    });
  }

  /**
   * Runs a job over the session, or returns null when it is busy with another job of this connection, not
   * there (not started, ended) and nothing was sent: the job then runs as a command. The result is as the
   * program gave it: its refusals are for the caller to read.
   */
  ExecResult tryServe(HostProgram.Job job, byte[] data, int sendAtMost, Duration timeout)
      throws HostUnreachableException {
    if (!lock.tryLock()) {
      return null;
    }
    try {
      return serve(job, data, sendAtMost, timeout);
    } finally {
      lock.unlock();
    }
  }

  private ExecResult serve(HostProgram.Job job, byte[] data, int sendAtMost, Duration timeout)
      throws HostUnreachableException {
    Channel s = channel;
    if (s == null) {
      return null;
    }
    if (!s.open()) {
      channel = null;
      s.close();
      return null;
    }
    byte[] head = (data.length + " " + HostProgram.sha256(data) + " " + job.word() + "\n")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] request = new byte[head.length + data.length];
    System.arraycopy(head, 0, request, 0, head.length);
    System.arraycopy(data, 0, request, head.length, data.length);
    int sending = (int) Math.min(request.length, (long) head.length + Math.min(data.length, sendAtMost));
    SshConnection.countRoundTrip(sending);
    long start = System.nanoTime();
    boolean sent = false;
    ExecResult result;
    AtomicBoolean ended = new AtomicBoolean();
    CompletableFuture<ExecResult> reply = CompletableFuture.supplyAsync(() -> reply(s.cmd().getInputStream(), ended));
    try {
      OutputStream in = s.cmd().getOutputStream();
      ssh.watch().send(in, request, sending);
      in.flush();
      sent = sending >= request.length;
      if (!sent) {
        // a link cut part-way, for tests: the host finds the manifest short, runs nothing and says so
        in.close();
      }
      Duration bound = SilenceWatch.commandBound(timeout);
      if (!ssh.watch().awaitEnd(ms -> {
        try {
          reply.get(ms, TimeUnit.MILLISECONDS);
          return true;
        } catch (TimeoutException e) {
          return false;
        }
      }, bound)) {
        channel = null;
        s.close();
        throw ssh.tooLong(bound);
      }
      result = reply.get();
      ssh.tookRoundTrip(System.nanoTime() - start);
    } catch (HostUnreachableException e) {
      throw e;
    } catch (Exception e) {
      if (e instanceof InterruptedException) {
        Thread.currentThread().interrupt();
      }
      channel = null;
      s.close();
      if (ssh.transportRunning() && !(e instanceof SilenceWatch.Silence)) {
        // the link is there, only the session of jobs ended (its shell was killed, say)
        if (!sent) {
          // nothing whole arrived, so nothing ran: the job runs as a command
          return null;
        }
        throw new ScriptInterruptedException("the session of jobs on " + ssh.target().display() + " ended after the job"
            + " was sent (" + SshConnection.describe(e instanceof ExecutionException ? e.getCause() : e)
            + "); it may have run, and the next probe shows what it did");
      }
      throw ssh.lost(e, sent);
    }
    if (ended.get()) {
      // the program ran nothing and ended the session: what followed on its input could not be trusted
      channel = null;
      s.close();
      start();
      if (result.exitCode() == EXIT_PROGRAM_MISSING && result.stderr().startsWith(MARK_PROGRAM_MISSING)) {
        return null; // the program file changed or went: the command sends it again
      }
    }
    return result;
  }

  /**
   * One reply of the session of jobs: a line "hostops-reply STATUS OUT_LENGTH ERR_LENGTH", then both outputs;
   * "hostops-reply-end" instead says the job was not run and the session ended ({@code ended} is set).
   */
  private static ExecResult reply(InputStream in, AtomicBoolean ended) {
    try {
      String head = line(in);
      if (head != null && head.startsWith(MARK_REPLY_END)) {
        ended.set(true);
        head = MARK_REPLY + head.substring(MARK_REPLY_END.length());
      }
      if (head == null || !head.startsWith(MARK_REPLY)) {
        throw new IOException(head == null ? "the session of jobs ended" : "not a reply: " + head);
      }
      String[] f = head.substring(MARK_REPLY.length()).split(" ");
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
      throw new CompletionException(e);
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
        return Arrays.copyOf(b, got);
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
}
