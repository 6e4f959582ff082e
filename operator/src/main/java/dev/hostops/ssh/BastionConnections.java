package dev.hostops.ssh;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One SSH connection per bastion, shared by every host reached through it: each host's own connection
 * is a channel inside it, so a bastion in front of fifty hosts sees one login, not fifty. A bastion is
 * told apart by everything that makes its connection (address, port, user, key, pinned keys: the whole
 * {@link SshTarget}), so two Hosts that pin the bastion differently never share a connection one of
 * them would refuse. The connection is opened when a host first needs it, opened anew when it died, and
 * closed when no host uses it any more.
 *
 * <p>A bastion that does not answer holds up every host behind it; as in {@code HostSessions}, once
 * opening it failed slowly, further opens fail at once with the same reason for one timeout.
 */
public final class BastionConnections implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BastionConnections.class);

  private record Down(String reason, String fingerprint, long at) {}

  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    volatile SshConnection connection;
    /** Hosts that hold (or are opening) a connection through this bastion; guarded by the map's monitor. */
    int users;
    volatile Down down;
  }

  private final Map<SshTarget, Entry> entries = new HashMap<>();
  private final Duration timeout;

  public BastionConnections(Duration timeout) {
    this.timeout = timeout;
  }

  /** The open connection to the bastion, opened or re-opened as needed; the caller uses it until {@link #release}. */
  public SshConnection acquire(SshTarget bastion) throws BastionUnreachableException {
    Entry entry;
    synchronized (entries) {
      entry = entries.computeIfAbsent(bastion, k -> new Entry());
      entry.users++;
    }
    try {
      return connection(bastion, entry);
    } catch (BastionUnreachableException e) {
      release(bastion);
      throw e;
    }
  }

  /** One host no longer uses the bastion; the last one closes its connection. */
  public void release(SshTarget bastion) {
    SshConnection unused = null;
    synchronized (entries) {
      Entry entry = entries.get(bastion);
      if (entry == null) {
        return;
      }
      if (--entry.users <= 0) {
        entries.remove(bastion);
        unused = entry.connection;
        entry.connection = null;
      }
    }
    if (unused != null) {
      unused.close();
      LOG.info("bastion={} closed: no host uses it", bastion.endpoint());
    }
  }

  /**
   * After a host behind the bastion did not answer: null when the bastion itself still answers, else why
   * not (its connection is then dropped, and hosts behind it fail at once for one timeout, naming it).
   */
  public BastionUnreachableException silent(SshTarget bastion) {
    Entry entry;
    synchronized (entries) {
      entry = entries.get(bastion);
    }
    SshConnection c = entry == null ? null : entry.connection;
    if (c == null || c.answers(timeout.dividedBy(2))) {
      return null;
    }
    String reason = "bastion " + bastion.endpoint() + ": does not answer (no reply to a keepalive within "
        + timeout.dividedBy(2).toMillis() + " ms)";
    entry.down = new Down(reason, null, System.nanoTime());
    c.close();
    LOG.info("bastion={} does not answer; hosts behind it fail at once for {} s", bastion.endpoint(),
        timeout.toSeconds());
    return new BastionUnreachableException(reason, null);
  }

  /** Live connections to bastions, for tests and metrics. */
  public int open() {
    synchronized (entries) {
      return (int) entries.values().stream().filter(e -> e.connection != null && e.connection.isAlive()).count();
    }
  }

  private SshConnection connection(SshTarget bastion, Entry entry) throws BastionUnreachableException {
    long asked = System.nanoTime();
    Down down = entry.down;
    if (down != null && asked - down.at() < timeout.toNanos()) {
      throw new BastionUnreachableException(down.reason(), down.fingerprint());
    }
    try {
      // another host may be opening it: wait for that, a little longer than one handshake may take
      if (!entry.lock.tryLock(timeout.toNanos() * 2, TimeUnit.NANOSECONDS)) {
        throw new BastionUnreachableException("bastion " + bastion.endpoint() + ": opening the connection to it took "
            + "more than " + timeout.multipliedBy(2).toSeconds() + " s", null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new BastionUnreachableException("interrupted while waiting for bastion " + bastion.endpoint(), null);
    }
    try {
      Down meanwhile = entry.down;
      if (meanwhile != null && meanwhile.at() > asked) {
        throw new BastionUnreachableException(meanwhile.reason(), meanwhile.fingerprint());
      }
      if (entry.connection != null && entry.connection.isAlive()) {
        return entry.connection;
      }
      if (entry.connection != null) {
        entry.connection.close();
        entry.connection = null;
        LOG.info("bastion={} connection died; opening it again", bastion.endpoint());
      }
      long started = System.nanoTime();
      try {
        entry.connection = SshConnection.openBastion(bastion, timeout);
        entry.down = null;
        return entry.connection;
      } catch (BastionUnreachableException e) {
        if (System.nanoTime() - started >= timeout.toNanos() / 2) {
          entry.down = new Down(e.getMessage(), e.presentedFingerprint(), System.nanoTime());
          LOG.info("bastion={} does not answer ({}); hosts behind it fail at once for {} s", bastion.endpoint(),
              e.getMessage(), timeout.toSeconds());
        }
        throw e;
      }
    } finally {
      entry.lock.unlock();
    }
  }

  @Override
  public void close() {
    synchronized (entries) {
      entries.values().forEach(e -> {
        if (e.connection != null) {
          e.connection.close();
        }
      });
      entries.clear();
    }
  }
}
