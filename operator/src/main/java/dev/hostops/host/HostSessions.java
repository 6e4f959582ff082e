package dev.hostops.host;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One persistent SSH connection per host, reused across reconciles, and one piece of work per host
 * at a time (different hosts run in parallel). A connection is reopened when it died or when the
 * Host's address, user, key or pinned keys changed.
 */
public final class HostSessions implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(HostSessions.class);

  /** Work done over a connection. */
  public interface Work<T> {
    T run(HostConnection connection) throws HostException;
  }

  private static final class Slot {
    final ReentrantLock lock = new ReentrantLock();
    SshTarget target;
    HostConnection connection;
  }

  private final ConcurrentHashMap<String, Slot> slots = new ConcurrentHashMap<>();
  private final Duration timeout;
  private final java.util.function.ObjLongConsumer<String> roundTrips;

  public HostSessions(Duration timeout) {
    this(timeout, (host, nanos) -> { });
  }

  /** @param roundTrips told the Host key and duration of every remote command */
  public HostSessions(Duration timeout, java.util.function.ObjLongConsumer<String> roundTrips) {
    this.timeout = timeout;
    this.roundTrips = roundTrips;
  }

  /**
   * Runs work against the host known as {@code hostKey} (namespace/name of the Host resource).
   * A reused connection that turns out dead is replaced once; a fresh one that fails is reported.
   */
  public <T> T with(String hostKey, SshTarget target, Work<T> work) throws HostException {
    Slot slot = slots.computeIfAbsent(hostKey, k -> new Slot());
    slot.lock.lock();
    try {
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
        if (fresh) {
          throw e;
        }
        LOG.info("host={} reused connection failed ({}); reconnecting", hostKey, e.getMessage());
        slot.connection = open(hostKey, target);
        slot.target = target;
        return work.run(slot.connection);
      }
    } finally {
      slot.lock.unlock();
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
