package dev.hostops.reconcile;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

/** Work on many hosts at once: one task per host, results in the order of the hosts. */
final class HostWork {
  private final ExecutorService executor;

  HostWork(ExecutorService executor) {
    this.executor = executor;
  }

  <T, R> List<R> each(List<T> hosts, Function<T, R> work) {
    List<CompletableFuture<R>> futures = hosts.stream()
        .map(h -> CompletableFuture.supplyAsync(() -> work.apply(h), executor)).toList();
    return futures.stream().map(CompletableFuture::join).toList();
  }
}
