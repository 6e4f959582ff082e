package dev.hostops.host;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One persistent SSH connection per host, reused across reconciles, and one piece of work per host
 * at a time (different hosts run in parallel). A connection is reopened when it died or when the
 * Host's address, user, key or pinned keys changed.
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
   * long apply over a slow link: a command may take {@link HostConnection#commandBound} while the link
   * is alive, and a host busy with it is not unreachable).
   */
  private static final int QUEUE_TIMEOUTS = 30;

  /** Work done over a connection. */
  public interface Work<T> {
    T run(HostConnection connection) throws HostException;
  }

  /** The host did not answer: why, when (System.nanoTime) and for which target. */
  private record Down(String reason, long at, SshTarget target) {}

  private static final class Slot {
    final ReentrantLock lock = new ReentrantLock();
    SshTarget target;
    HostConnection connection;
    volatile Down down;
  }

  private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
  private final Duration timeout;
  private final Duration retryAfter;
  private final java.util.function.ObjLongConsumer<String> roundTrips;

  public HostSessions(Duration timeout) {
    this(timeout, (host, nanos) -> { });
  }

  /** @param roundTrips told the Host key and duration of every remote command */
  public HostSessions(Duration timeout, java.util.function.ObjLongConsumer<String> roundTrips) {
    this.timeout = timeout;
    this.retryAfter = timeout;
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
      throw new HostUnreachableException(down.reason(), null);
    }
    try {
      if (marked ? !slot.lock.tryLock() : !slot.lock.tryLock(timeout.toNanos() * QUEUE_TIMEOUTS, TimeUnit.NANOSECONDS)) {
        throw new HostUnreachableException(marked ? down.reason() : "host " + hostKey + " is busy: work queued for it "
            + "waited " + timeout.multipliedBy(QUEUE_TIMEOUTS).toSeconds() + " s", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HostUnreachableException("interrupted while waiting for host " + hostKey, null);
    }
    try {
      Down meanwhile = slot.down;
      if (meanwhile != null && meanwhile.at() > queued && meanwhile.target().equals(target)) {
        throw new HostUnreachableException(meanwhile.reason(), null);
      }
      return attempt(hostKey, slot, target, work);
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
    } catch (HostKeyMismatchException e) {
      throw e;
    } catch (HostUnreachableException e) {
      if (slow(started)) {
        slot.down = new Down(e.getMessage(), System.nanoTime(), target);
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
      reset(slot);
      slot.connection = open(hostKey, target);
      slot.target = target;
      fresh = true;
    }
    try {
      return work.run(slot.connection);
    } catch (HostUnreachableException e) {
      reset(slot);
      if (fresh || slow(started) || e instanceof ScriptInterruptedException) {
        throw e;
      }
      LOG.info("host={} reused connection failed ({}); reconnecting", hostKey, e.getMessage());
      slot.connection = open(hostKey, target);
      slot.target = target;
      return work.run(slot.connection);
    }
  }

  private HostConnection open(String hostKey, SshTarget target) throws HostUnreachableException {
    HostConnection c = HostConnection.open(target, timeout);
    c.onRoundTrip(nanos -> roundTrips.accept(hostKey, nanos));
    return c;
  }

  private static void reset(Slot slot) {
    if (slot.connection != null) {
      slot.connection.close();
      slot.connection = null;
    }
  }

  @Override
  public void close() {
    slots.values().forEach(s -> {
      s.lock.lock();
      try {
        reset(s);
      } finally {
        s.lock.unlock();
      }
    });
    slots.clear();
  }
}
