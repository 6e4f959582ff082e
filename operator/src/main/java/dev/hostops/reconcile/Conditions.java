package dev.hostops.reconcile;

import dev.hostops.api.Condition;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Builds a condition list, keeping lastTransitionTime when a condition's status did not change. */
final class Conditions {
  private final List<Condition> previous;
  private final long generation;
  private final List<Condition> result = new ArrayList<>();

  Conditions(List<Condition> previous, Long generation) {
    this.previous = previous == null ? List.of() : previous;
    this.generation = generation == null ? 0 : generation;
  }

  Conditions set(String type, boolean status, String reason, String message) {
    Condition c = new Condition(type, status, reason, message);
    c.observedGeneration = generation;
    c.lastTransitionTime = previous.stream()
        .filter(p -> type.equals(p.type) && c.status.equals(p.status) && p.lastTransitionTime != null)
        .map(p -> p.lastTransitionTime)
        .findFirst()
        .orElseGet(() -> Instant.now().toString()); // formatted only for a condition that changed
    result.add(c);
    return this;
  }

  List<Condition> list() {
    return result;
  }
}
