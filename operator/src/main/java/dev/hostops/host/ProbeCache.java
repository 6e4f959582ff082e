package dev.hostops.host;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What was last seen of each service on each host. The Host reconciler fills it with one round trip
 * per host per resync (its per-host drift check); applies record what they left behind, stamped when they
 * ended (a drift check that ran meanwhile may have seen the host before the apply's restart). A HostService
 * reconcile whose spec did not change reads it instead of probing again, so a host where nothing
 * changed costs one round trip in all. Each entry keeps the time its probe started, and an older
 * probe never overwrites a newer entry.
 */
public final class ProbeCache {
  private record Entry(ServiceObservation seen, long startedNanos) {}

  private final ConcurrentHashMap<String, ConcurrentHashMap<String, Entry>> byHost = new ConcurrentHashMap<>();

  /** Records a per-host probe that started at {@code startedNanos} (System.nanoTime()). */
  public void putAll(String hostKey, Map<String, ServiceObservation> services, long startedNanos) {
    ConcurrentHashMap<String, Entry> host = byHost.computeIfAbsent(hostKey, k -> new ConcurrentHashMap<>());
    host.entrySet().removeIf(e -> !services.containsKey(e.getKey()) && e.getValue().startedNanos() < startedNanos);
    services.forEach((name, seen) -> host.merge(name, new Entry(seen, startedNanos),
        (old, now) -> old.startedNanos() > now.startedNanos() ? old : now));
  }

  /** Records one service as seen by a probe (or an apply's closing probe) that started at startedNanos. */
  public void put(String hostKey, String service, ServiceObservation seen, long startedNanos) {
    // this service only: the host's other services keep what the last per-host probe saw of them (a
    // one-service probe that dropped them would send each of their reconciles to probe again, each
    // dropping the rest in turn: a round trip per service per resync instead of one per host)
    byHost.computeIfAbsent(hostKey, k -> new ConcurrentHashMap<>()).merge(service, new Entry(seen, startedNanos),
        (old, now) -> old.startedNanos() > now.startedNanos() ? old : now);
  }

  /** The service as last seen on the host, when that probe started within maxAge. */
  public Optional<ServiceObservation> get(String hostKey, String service, Duration maxAge) {
    Map<String, Entry> host = byHost.get(hostKey);
    Entry e = host == null ? null : host.get(service);
    if (e == null || System.nanoTime() - e.startedNanos() > maxAge.toNanos()) {
      return Optional.empty();
    }
    return Optional.of(e.seen());
  }

  /** Forget a host whose probe failed: its services probe for themselves until it answers again. */
  public void invalidate(String hostKey) {
    byHost.remove(hostKey);
  }
}
