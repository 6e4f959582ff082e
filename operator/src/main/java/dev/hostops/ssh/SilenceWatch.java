package dev.hostops.ssh;

import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import net.schmizz.concurrent.Promise;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.DisconnectReason;
import net.schmizz.sshj.common.SSHException;
import net.schmizz.sshj.common.SSHPacket;
import net.schmizz.sshj.connection.ConnectionException;

/**
 * Silence, not duration (issue 17): the SSH timeout measures how long the link may say nothing, not how long a
 * command may take. A link that is slow but alive keeps a command going; one that says nothing for longer than
 * the timeout is dropped.
 */
public final class SilenceWatch {
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

  private final SSHClient client;
  private final Duration timeout;

  SilenceWatch(SSHClient client, Duration timeout) {
    this.client = client;
    this.timeout = timeout;
  }

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

  /** Sends the script; a long one in acknowledged chunks (see {@link #AHEAD}). */
  public void send(OutputStream stdin, byte[] bytes, int length) throws IOException, Silence {
    if (length <= AHEAD) {
      stdin.write(bytes, 0, length);
      return;
    }
    ArrayDeque<Promise<SSHPacket, ConnectionException>> unanswered = new ArrayDeque<>();
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
  public interface Wait {
    boolean upTo(long millis) throws Exception;
  }

  /**
   * Waits for a command (or a job) to end, at most {@code bound}, asking the host to answer a keepalive every
   * timeout / 5 meanwhile: one left unanswered for the timeout means the link is silent (noticed at most
   * timeout / 5 late). Returns whether it ended.
   */
  public boolean awaitEnd(Wait end, Duration bound) throws Exception {
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
  public static final class Silence extends Exception {
    Silence() {
      super("the link went silent", null, false, false);
    }
  }

  /** Whether the link went silent: this watch noticed, or sshj's keepalive runner gave up (the same silence). */
  static boolean isSilence(Throwable e) {
    return e instanceof Silence || keepAliveGaveUp(e);
  }

  /** sshj's keepalive runner gave up (it counts unanswered requests). */
  private static boolean keepAliveGaveUp(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SSHException ssh
          && ssh.getDisconnectReason() == DisconnectReason.CONNECTION_LOST
          && String.valueOf(ssh.getMessage()).contains("keep-alive")) {
        return true;
      }
    }
    return false;
  }
}
