package dev.hostops.host;

import dev.hostops.render.RenderedService;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;

/**
 * Applies bound for one host, gathered into one script (group commit): the changes of every service
 * reconciled at about the same time cost one round trip, one daemon-reload and one settle wait, with
 * their units started in parallel. The first caller for a host leads: it waits until no other apply
 * has joined for {@link #QUIET_MS} and no reconcile that said it may bring one ({@link #expect}) is still
 * deciding (at most {@link #MAX_WAIT_MS} in all), runs the batch, and keeps running batches while more
 * arrive; the others wait for their part of the result. A batch the host refuses is retried service by
 * service, so one service's failure is reported on that service only.
 */
public final class ApplyQueue {
  static final long QUIET_MS = 150;
  static final long MAX_WAIT_MS = 1500;

  private record Pending(RenderedService desired, ApplyPlan plan, CompletableFuture<ServiceObservation> result) {}

  private static final class HostQueue {
    final List<Pending> pending = new ArrayList<>();
    boolean leading;
    long lastJoin;
    /** Reconciles that said they may bring an apply here and have neither joined nor closed. */
    int coming;
  }

  /**
   * A reconcile that may bring applies for some hosts: until it joins with its apply or closes, leaders on
   * those hosts wait for it (within {@link #MAX_WAIT_MS}). Ten services created at once probe the host
   * one after another (one script at a time holds the host's lock); without this the first ones to finish
   * their probe would run as a batch of their own while the rest still probe.
   */
  public final class Expected implements AutoCloseable {
    private final java.util.Set<String> hosts = ConcurrentHashMap.newKeySet();

    private Expected(java.util.Collection<String> hostKeys) {
      for (String key : hostKeys) {
        if (hosts.add(key)) {
          HostQueue q = queues.computeIfAbsent(key, k -> new HostQueue());
          synchronized (q) {
            q.coming++;
          }
        }
      }
    }

    /** Called with the host's queue held: this reconcile is no longer deciding about the host. */
    private void settled(String hostKey, HostQueue q) {
      if (hosts.remove(hostKey)) {
        q.coming--;
        q.notifyAll();
      }
    }

    /** The reconcile brings no (more) applies: leaders stop waiting for it. */
    @Override
    public void close() {
      for (String key : List.copyOf(hosts)) {
        HostQueue q = queues.get(key);
        synchronized (q) {
          settled(key, q);
        }
      }
    }
  }

  private final HostSessions sessions;
  private final ServiceSync sync;
  private final Map<String, HostQueue> queues = new ConcurrentHashMap<>();
  private final java.util.function.ObjIntConsumer<String> applied;

  /** @param applied told the Host key and the number of services of every script that ran */
  public ApplyQueue(HostSessions sessions, ServiceSync sync, java.util.function.ObjIntConsumer<String> applied) {
    this.sessions = sessions;
    this.sync = sync;
    this.applied = applied;
  }

  /** Says that the calling reconcile may bring applies for these hosts; close it when it has decided. */
  public Expected expect(java.util.Collection<String> hostKeys) {
    return new Expected(hostKeys);
  }

  /** Carries out the plan on the host (with whatever else is bound there) and returns the service afterwards. */
  public ServiceObservation apply(String hostKey, SshTarget target, RenderedService desired, ApplyPlan plan)
      throws HostException {
    return apply(hostKey, target, desired, plan, null);
  }

  /** Like {@link #apply(String, SshTarget, RenderedService, ApplyPlan)}, for a reconcile that said it may come. */
  public ServiceObservation apply(String hostKey, SshTarget target, RenderedService desired, ApplyPlan plan,
                                  Expected expected) throws HostException {
    HostQueue q = queues.computeIfAbsent(hostKey, k -> new HostQueue());
    Pending mine = new Pending(desired, plan, new CompletableFuture<>());
    boolean lead;
    synchronized (q) {
      if (expected != null) {
        expected.settled(hostKey, q);
      }
      q.pending.add(mine);
      q.lastJoin = System.nanoTime();
      lead = !q.leading;
      q.leading = true;
      q.notifyAll();
    }
    if (lead) {
      lead(hostKey, target, q);
    }
    try {
      return mine.result().get();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof HostException h) {
        throw h;
      }
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new HostUnreachableException("interrupted while applying to " + target.display(), e);
    }
  }

  private void lead(String hostKey, SshTarget target, HostQueue q) {
    long started = System.nanoTime();
    while (true) {
      List<Pending> batch;
      synchronized (q) {
        while (true) {
          long quietFor = (System.nanoTime() - q.lastJoin) / 1_000_000;
          long waited = (System.nanoTime() - started) / 1_000_000;
          if ((quietFor >= QUIET_MS && q.coming == 0) || waited >= MAX_WAIT_MS) {
            break;
          }
          try {
            q.wait(Math.max(1, Math.min(quietFor >= QUIET_MS ? MAX_WAIT_MS : QUIET_MS - quietFor, MAX_WAIT_MS - waited)));
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            break;
          }
        }
        if (q.pending.isEmpty()) {
          q.leading = false;
          return;
        }
        batch = new ArrayList<>(q.pending);
        q.pending.clear();
      }
      run(hostKey, target, batch);
      started = System.nanoTime();
    }
  }

  private void run(String hostKey, SshTarget target, List<Pending> batch) {
    Map<RenderedService, ApplyPlan> plans = new LinkedHashMap<>();
    batch.forEach(p -> plans.put(p.desired(), p.plan()));
    try {
      Map<String, ServiceObservation> seen = sessions.with(hostKey, target, c -> sync.applyAll(c, plans));
      applied.accept(hostKey, batch.size());
      batch.forEach(p -> p.result().complete(seen.get(p.desired().name())));
    } catch (ServiceSync.ApplyFailedException e) {
      if (batch.size() == 1) {
        batch.get(0).result().completeExceptionally(e);
        return;
      }
      // one of them failed: each on its own, so each gets its own answer
      for (Pending p : batch) {
        try {
          p.result().complete(sessions.with(hostKey, target, c -> sync.apply(c, p.desired(), p.plan())));
          applied.accept(hostKey, 1);
        } catch (HostException | RuntimeException one) {
          p.result().completeExceptionally(one);
        }
      }
    } catch (HostException | RuntimeException e) {
      batch.forEach(p -> p.result().completeExceptionally(e));
    }
  }
}
