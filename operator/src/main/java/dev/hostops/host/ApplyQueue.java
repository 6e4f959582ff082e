package dev.hostops.host;

import dev.hostops.render.RenderedService;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.SshTarget;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.ObjIntConsumer;

/**
 * Applies bound for one host, gathered into one script (group commit): the changes of every service
 * reconciled at about the same time cost one round trip, one daemon-reload and one settle wait, with
 * their units started in parallel. The first apply for a host opens a batch; it runs once no other apply
 * has joined for {@link #QUIET_MS} and no reconcile that said it may bring one ({@link #expect}) is still
 * deciding (at most {@link #MAX_WAIT_MS} after it opened). While it gathers, no thread waits for it (a
 * timer checks), so the reconciles it waits for can use every thread of the host work pool to probe;
 * applies that arrive while a batch runs form the next one. Each caller gets its own part of the result.
 * A batch the host refuses is retried service by service, so one service's failure is reported on that
 * service only.
 */
public final class ApplyQueue {
  static final long QUIET_MS = 150;
  static final long MAX_WAIT_MS = 1500;
  /** Times the gathering of batches; runs nothing else (the batches run on the executor). */
  private static final ScheduledExecutorService TIMER =
      Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "hostops-apply-timer");
        t.setDaemon(true);
        return t;
      });

  private record Pending(RenderedService desired, ApplyPlan plan, CompletableFuture<ServiceObservation> result) {}

  private static final class HostQueue {
    final List<Pending> pending = new ArrayList<>();
    /** A batch is gathering (a check is due) / running on the executor. */
    boolean gathering;
    boolean running;
    long started;
    long lastJoin;
    SshTarget target;
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
    private final Set<String> hosts = ConcurrentHashMap.newKeySet();

    private Expected(Collection<String> hostKeys) {
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
        if (q.coming == 0 && q.gathering) {
          later(hostKey, q, 0);
        }
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
  private final Executor executor;
  private final Map<String, HostQueue> queues = new ConcurrentHashMap<>();
  private final ObjIntConsumer<String> applied;

  /**
   * @param executor runs the batches (the host work pool); nothing waits on one of its threads for a batch
   *                 to gather, so the reconciles a batch waits for can still probe
   * @param applied  told the Host key and the number of services of every script that ran
   */
  public ApplyQueue(HostSessions sessions, ServiceSync sync, Executor executor,
                    ObjIntConsumer<String> applied) {
    this.sessions = sessions;
    this.sync = sync;
    this.executor = executor;
    this.applied = applied;
  }

  /** Says that the calling reconcile may bring applies for these hosts; close it when it has decided. */
  public Expected expect(Collection<String> hostKeys) {
    return new Expected(hostKeys);
  }

  /**
   * Queues the plan for the host's next batch; the future ends with the service afterwards, or with the
   * {@link HostException} the apply met. The caller holds no thread of the pool while the batch gathers.
   */
  public CompletableFuture<ServiceObservation> submit(String hostKey, SshTarget target, RenderedService desired,
                                                      ApplyPlan plan, Expected expected) {
    HostQueue q = queues.computeIfAbsent(hostKey, k -> new HostQueue());
    Pending mine = new Pending(desired, plan, new CompletableFuture<>());
    synchronized (q) {
      if (expected != null) {
        expected.settled(hostKey, q);
      }
      q.target = target;
      q.pending.add(mine);
      q.lastJoin = System.nanoTime();
      if (!q.running && !q.gathering) {
        q.gathering = true;
        q.started = q.lastJoin;
        later(hostKey, q, QUIET_MS);
      }
    }
    return mine.result();
  }

  private void later(String hostKey, HostQueue q, long ms) {
    TIMER.schedule(() -> check(hostKey, q), ms, TimeUnit.MILLISECONDS);
  }

  /** Runs the gathered batch once the host has been quiet long enough, or waits a little longer. */
  private void check(String hostKey, HostQueue q) {
    List<Pending> batch;
    SshTarget target;
    synchronized (q) {
      if (q.running || !q.gathering) {
        return;
      }
      long quietFor = (System.nanoTime() - q.lastJoin) / 1_000_000;
      long waited = (System.nanoTime() - q.started) / 1_000_000;
      if (!((quietFor >= QUIET_MS && q.coming == 0) || waited >= MAX_WAIT_MS)) {
        // quiet but a reconcile is still deciding: its settling checks again at once (see Expected)
        later(hostKey, q, Math.max(1, Math.min(quietFor >= QUIET_MS ? MAX_WAIT_MS : QUIET_MS - quietFor,
            MAX_WAIT_MS - waited)));
        return;
      }
      batch = new ArrayList<>(q.pending);
      q.pending.clear();
      q.gathering = false;
      q.running = true;
      target = q.target;
    }
    try {
      executor.execute(() -> {
        try {
          run(hostKey, target, batch);
        } finally {
          done(hostKey, q);
        }
      });
    } catch (RejectedExecutionException stopped) {
      batch.forEach(p -> p.result().completeExceptionally(
          new HostUnreachableException("stopping: not applied to " + target.display(), stopped)));
      done(hostKey, q);
    }
  }

  /** A batch ended: what joined meanwhile gathers as the next one. */
  private void done(String hostKey, HostQueue q) {
    synchronized (q) {
      q.running = false;
      if (!q.pending.isEmpty()) {
        q.gathering = true;
        q.started = System.nanoTime();
        later(hostKey, q, 0);
      }
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
