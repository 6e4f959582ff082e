package dev.hostops.reconcile;

import java.time.Duration;
import java.util.function.Supplier;

/** Polls until a condition holds; fails with the last observed state. */
public final class Await {
  private Await() {}

  public static void until(Duration timeout, Supplier<Boolean> condition, Supplier<String> state) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.get())) {
          return;
        }
      } catch (RuntimeException | AssertionError e) {
        // not there yet
      }
      try {
        Thread.sleep(200);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
    throw new AssertionError("not reached within " + timeout.toSeconds() + " s; last state: " + state.get());
  }
}
