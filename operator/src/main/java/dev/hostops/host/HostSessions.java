package dev.hostops.host;

import dev.hostops.ssh.BastionConnections;
import dev.hostops.ssh.BastionUnreachableException;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.HostKeyMismatchException;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.LoginRefusedException;
import dev.hostops.ssh.ScriptInterruptedException;
import dev.hostops.ssh.SshConnection;
import dev.hostops.ssh.SshTarget;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.ObjLongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One persistent SSH connection per host, reused across reconciles, and one piece of work per host
 * at a time (different hosts run in parallel). A connection is reopened when it died or when the
 * Host's address, user, key, pinned keys or bastion changed. Hosts behind one bastion share one
 * connection to it ({@link BastionConnections}).
 *
 * <p>A host that stops answering (frozen, unplugged) must not hold up the others: every thread that
 * waits for it is one the healthy hosts' work cannot use. So once work on a host failed because it
 * did not answer, further work there fails at once with the same reason, without waiting for the
 * host, until {@code retryAfter} has passed; then one caller tries again while the others keep
 * failing at once. Callers that were already queued when the failure happened fail at once too.
 */
public final class HostSessions implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostSessions.class);
  /**
   * Queued work waits at most this many timeouts for the host's lock (many applies ahead of it, or one
   * long apply over a slow link: a command may take {@link SilenceWatch#commandBound} while the link
   * is alive, and a host busy with it is not unreachable).
   */
  private static final int QUEUE_TIMEOUTS = 30;

  /** Work done over a connection. */
  public interface Work<T> {
    T run(HostConnection connection) throws HostException;
  }

  /** The host did not answer: why, when (System.nanoTime) and for which target. */
  private record Down(String reason, long at, SshTarget target, boolean refused) {
    /** The failure again, of its own kind: a refused login key stays one (key rotation decides on it). */
    HostUnreachableException again() {
      return refused ? new LoginRefusedException(reason) : new HostUnreachableException(reason, null);
    }
  }

  private static final class Slot {
    final ReentrantLock lock = new ReentrantLock();
    SshTarget target;
    HostConnection connection;
    /** The bastion whose shared connection {@link #connection} runs through, or null. */
    SshTarget bastion;
    /** A connection kept after its key was replaced by one sshd refused: a login key rotated in place needs it. */
    HostConnection stale;
    volatile Down down;
    /** Whether this process has run a job on the host before (since it started). */
    volatile boolean ranJob;
    /** The last other process seen between two of this process's jobs on the host. */
    volatile OtherProcess other;

    /** A job ran under the host's lock; {@code previousHolder} held it before, when that was another process. */
    void jobRan(String previousHolder) {
      // the first job of this process finds its predecessor (an operator restarted, a leader handed over), and
      // a person's command (import, kubectl hostops) comes and goes: neither is another process managing it
      if (previousHolder != null && ranJob && !LockHolder.isCommand(previousHolder)) {
        other = new OtherProcess(previousHolder, Instant.now());
      }
      ranJob = true;
    }
  }

  private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
  private final BastionConnections bastions;
  private final Duration timeout;
  private final Duration retryAfter;
  private final ObjLongConsumer<String> roundTrips;

  public HostSessions(Duration timeout) {
    this(timeout, (host, nanos) -> { });
  }

  /** @param roundTrips told the Host key and duration of every remote command */
  public HostSessions(Duration timeout, ObjLongConsumer<String> roundTrips) {
    this.timeout = timeout;
    this.retryAfter = timeout;
    this.bastions = new BastionConnections(timeout);
    this.roundTrips = roundTrips;
  }

  /**
   * Runs work against the host known as {@code hostKey} (namespace/name of the Host resource).
   * A reused connection that turns out dead is replaced once (not when it failed slowly: a host that
   * does not answer would only make the caller wait twice); a fresh one that fails is reported.
   */
  public <T> T with(String hostKey, SshTarget target, Work<T> work) throws HostException {
    Slot slot = slots.computeIfAbsent(hostKey, k -> new Slot());
    long queued = System.nanoTime();
    Down down = slot.down;
    boolean marked = down != null && down.target().equals(target);
    if (marked && queued - down.at() < retryAfter.toNanos()) {
      throw down.again();
    }
    try {
      if (marked ? !slot.lock.tryLock() : !slot.lock.tryLock(timeout.toNanos() * QUEUE_TIMEOUTS, TimeUnit.NANOSECONDS)) {
        throw marked ? down.again() : new HostUnreachableException("host " + hostKey + " is busy: work queued for it "
            + "waited " + timeout.multipliedBy(QUEUE_TIMEOUTS).toSeconds() + " s", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HostUnreachableException("interrupted while waiting for host " + hostKey, null);
    }
    try {
      Down meanwhile = slot.down;
      if (meanwhile != null && meanwhile.at() > queued && meanwhile.target().equals(target)) {
        throw meanwhile.again();
      }
      return attempt(hostKey, slot, target, work);
    } finally {
      slot.lock.unlock();
    }
  }

  /**
   * Runs work on the host's open connection as it is, logged in with whatever key it was opened with (a login
   * key rotated in place in its Secret: the old key is only in this connection); fails when there is none.
   */
  public <T> T withOpen(String hostKey, Work<T> work) throws HostException {
    Slot slot = slots.get(hostKey);
    if (slot == null) {
      throw new HostUnreachableException("no open connection to " + hostKey, null);
    }
    try {
      if (!slot.lock.tryLock(timeout.toNanos() * QUEUE_TIMEOUTS, TimeUnit.NANOSECONDS)) {
        throw new HostUnreachableException("host " + hostKey + " is busy", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HostUnreachableException("interrupted while waiting for host " + hostKey, null);
    }
    try {
      HostConnection open = slot.connection != null && slot.connection.isAlive() ? slot.connection
          : slot.stale != null && slot.stale.isAlive() ? slot.stale : null;
      if (open == null) {
        throw new HostUnreachableException("no open connection to " + hostKey, null);
      }
      return work.run(open);
    } finally {
      slot.lock.unlock();
    }
  }

  /** Runs the work; a failure that took half the timeout or more means the host does not answer. */
  private <T> T attempt(String hostKey, Slot slot, SshTarget target, Work<T> work) throws HostException {
    long started = System.nanoTime();
    try {
      T result = connectAndRun(hostKey, slot, target, work, started);
      slot.down = null;
      return result;
    } catch (HostKeyMismatchException | HostBusyException e) {
      throw e;
    } catch (HostUnreachableException e) {
      if (slow(started)) {
        slot.down = new Down(e.getMessage(), System.nanoTime(), target, e instanceof LoginRefusedException);
        LOG.info("host={} does not answer ({}); other work for it fails at once for {} s", hostKey, e.getMessage(),
            retryAfter.toSeconds());
      }
      throw e;
    }
  }

  private boolean slow(long started) {
    return System.nanoTime() - started >= timeout.toNanos() / 2;
  }

  private <T> T connectAndRun(String hostKey, Slot slot, SshTarget target, Work<T> work, long started)
      throws HostException {
    boolean fresh = false;
    if (slot.connection == null || !slot.connection.isAlive() || !target.equals(slot.target)) {
      replace(hostKey, slot, target);
      fresh = true;
    }
    try {
      return work.run(slot.connection);
    } catch (HostBusyException e) {
      throw e; // the host answered: another process holds it, and the connection is fine
    } catch (HostUnreachableException e) {
      if (slot.bastion != null && slow(started)) {
        // a host that does not answer may be a bastion that does not: then say so, naming the bastion
        BastionUnreachableException bastion = bastions.silent(slot.bastion);
        if (bastion != null) {
          reset(slot);
          throw new BastionUnreachableException(bastion.getMessage() + "; " + e.getMessage(), null);
        }
      }
      if (fresh || slow(started) || e instanceof ScriptInterruptedException) {
        reset(slot);
        throw e;
      }
      LOG.info("host={} reused connection failed ({}); reconnecting", hostKey, e.getMessage());
      replace(hostKey, slot, target);
      return work.run(slot.connection);
    }
  }

  /**
   * Opens a new connection for the slot, then closes the old one: the new one takes its share of a bastion
   * before the old one gives its share back, so a bastion still in use is not closed and opened again.
   */
  private void replace(String hostKey, Slot slot, SshTarget target) throws HostUnreachableException {
    HostConnection old = slot.connection;
    SshTarget oldBastion = slot.bastion;
    slot.connection = null;
    slot.bastion = null;
    try {
      if (target.proxyJump() == null) {
        slot.connection = HostConnection.open(target, timeout);
      } else {
        SshConnection via = bastions.acquire(target.proxyJump());
        try {
          slot.connection = HostConnection.open(target, via, timeout);
        } catch (HostUnreachableException e) {
          bastions.release(target.proxyJump());
          throw e;
        }
        slot.bastion = target.proxyJump();
      }
      slot.target = target;
      slot.connection.onRoundTrip(nanos -> roundTrips.accept(hostKey, nanos));
      slot.connection.onJob(slot::jobRan);
      if (slot.stale != null) {
        slot.stale.close();
        slot.stale = null;
      }
    } catch (HostUnreachableException e) {
      if (old != null && old.isAlive() && LoginKeyRotation.refused(e) && oldBastion == null) {
        if (slot.stale != null) {
          slot.stale.close();
        }
        slot.stale = old; // logged in with the key before, until the rotation used it
        old = null;
      }
      throw e;
    } finally {
      if (old != null) {
        old.close();
      }
      if (oldBastion != null) {
        bastions.release(oldBastion);
      }
    }
  }

  private void reset(Slot slot) {
    if (slot.connection != null) {
      slot.connection.close();
      slot.connection = null;
    }
    if (slot.bastion != null) {
      bastions.release(slot.bastion);
      slot.bastion = null;
    }
  }

  /**
   * The last other hostops process seen running a job on the host between two of this process's jobs, or
   * null (none since this process started).
   */
  public OtherProcess otherProcess(String hostKey) {
    Slot slot = slots.get(hostKey);
    return slot == null ? null : slot.other;
  }

  /** Connections to bastions open now (each shared by the hosts behind it). */
  public int bastionConnections() {
    return bastions.open();
  }

  @Override
  public void close() {
    slots.values().forEach(s -> {
      s.lock.lock();
      try {
        reset(s);
        if (s.stale != null) {
          s.stale.close();
          s.stale = null;
        }
      } finally {
        s.lock.unlock();
      }
    });
    slots.clear();
    bastions.close();
  }
}
