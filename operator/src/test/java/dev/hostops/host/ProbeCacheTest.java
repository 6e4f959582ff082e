package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the Host's drift check saw stays for the other services when one service probes or applies. */
class ProbeCacheTest {
  private static ServiceObservation seen(String name) {
    return new ServiceObservation(name, "team/" + name, List.of(), Map.of(), ServiceObservation.UnitState.UNKNOWN,
        ServiceObservation.UnitState.UNKNOWN, ServiceObservation.ContainerState.ABSENT, false, Map.of(), "", null);
  }

  @Test
  void oneServiceProbedKeepsWhatTheHostProbeSawOfTheOthers() {
    ProbeCache cache = new ProbeCache();
    long t = System.nanoTime();
    cache.putAll("team/vm", Map.of("a", seen("a"), "b", seen("b"), "c", seen("c")), t);
    cache.put("team/vm", "a", seen("a"), t + 1_000);
    Duration window = Duration.ofMinutes(1);
    assertTrue(cache.get("team/vm", "b", window).isPresent(), "b was dropped by a's own probe");
    assertTrue(cache.get("team/vm", "c", window).isPresent(), "c was dropped by a's own probe");
    assertTrue(cache.get("team/vm", "a", window).isPresent());
  }

  @Test
  void theHostProbeDropsServicesNoLongerThereAndAnOlderProbeNeverWins() {
    ProbeCache cache = new ProbeCache();
    long t = System.nanoTime();
    cache.putAll("team/vm", Map.of("a", seen("a"), "b", seen("b")), t);
    cache.putAll("team/vm", Map.of("a", seen("a")), t + 1_000); // b removed from the host since
    assertTrue(cache.get("team/vm", "b", Duration.ofMinutes(1)).isEmpty());
    ServiceObservation newer = seen("a");
    cache.put("team/vm", "a", newer, t + 2_000);
    cache.put("team/vm", "a", seen("a"), t + 1_500); // an older probe that ended later
    assertSame(newer, cache.get("team/vm", "a", Duration.ofMinutes(1)).orElseThrow());
  }
}
