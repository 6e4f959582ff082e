package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.RolloutSpec;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.UpdateSpec;
import dev.hostops.testhosts.Registry;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Tags that update themselves (spec.update, interval 1m, the shortest the API server takes), on three real
 * hosts, two services side by side so their minutes overlap:
 * <ul>
 *   <li>moving: :latest moves to v2, which rolls out pinned by digest; it moves again to a third image while
 *   that rollout runs, and the fleet never runs three versions at once: the third waits, then rolls out.</li>
 *   <li>failing: :latest moves to a release that exits at once; autoRevert puts the first host back, the
 *   failed digest is recorded and not tried again at the next lookup; the next good digest rolls out.</li>
 * </ul>
 */
class ImageUpdateTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration WAIT = Duration.ofSeconds(240);
  private static OperatorHarness k8s;
  private static List<TestHost> hosts;

  @BeforeAll
  static void start() throws Exception {
    hosts = HOSTS.boot("up1", "up2", "up3");
    k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(10));
    for (int i = 0; i < 3; i++) {
      k8s.addHost(hosts.get(i), "h" + (i + 1), "root", Map.of());
    }
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  @Test
  void aWatchedTagRollsOutPinnedNeverSplitsTheFleetAndNeverRetriesAFailedDigest() throws Exception {
    String registry = hosts.get(0).registry();
    String a = Registry.push("hostops/demo:v1", "hostops/up-moving:latest");
    Registry.push("hostops/demo:v1", "hostops/up-failing:latest");
    k8s.create(watched("moving", registry + "/hostops/up-moving:latest", 25));
    k8s.create(watched("failing", registry + "/hostops/up-failing:latest", 3));
    HostService moving = awaitAll("moving", a);
    assertEquals(a, moving.getStatus().update.digest, describe(moving.getStatus().update));
    assertTrue(moving.getStatus().update.checkedAt != null);
    awaitAll("failing", a);

    // both tags move: a good release for one, a bad one for the other
    Versions versions = new Versions();
    String b = Registry.push("hostops/demo:v2", "hostops/up-moving:latest");
    String broken = Registry.push("hostops/demo:broken", "hostops/up-failing:latest");
    Instant pushed = Instant.now();
    // moving: once the first host runs b, the tag moves again, mid-rollout
    Await.until(WAIT, () -> NAMES.stream().anyMatch(h -> digestOn(k8s.get("moving"), h).endsWith(b)),
        () -> describe(k8s.get("moving")));
    assertTrue(k8s.events("moving", "ImageUpdated").stream().anyMatch(m -> m.contains(a) && m.contains(b)),
        String.valueOf(k8s.events("moving", "ImageUpdated")));
    String c = Registry.push("hostops/demo:latest", "hostops/up-moving:latest");

    // failing: reverted on its first host, the others never left a
    Await.until(WAIT, () -> {
      HostService now = k8s.get("failing");
      return RolloutStatus.REVERTED.equals(now.getStatus().rollout.phase) && now.getStatus().update != null
          && broken.equals(now.getStatus().update.failedDigest);
    }, () -> describe(k8s.get("failing")));
    Instant reverted = Instant.now();
    // the next lookup (a minute later) finds the same failed digest: nothing is tried again
    Await.until(Duration.ofSeconds(100), () -> Instant.parse(k8s.get("failing").getStatus().update.checkedAt)
        .isAfter(reverted.plusSeconds(1)), () -> describe(k8s.get("failing").getStatus().update));
    HostService waiting = k8s.get("failing");
    assertTrue(waiting.getStatus().update.message.contains("waiting for a digest newer than " + broken),
        describe(waiting.getStatus().update));
    assertEquals(RolloutStatus.REVERTED, waiting.getStatus().rollout.phase, describe(waiting.getStatus().rollout));
    for (TestHost h : hosts) {
      assertTrue(h.shOk("docker inspect -f '{{.State.Running}} {{.Config.Labels}}' failing").contains("true"),
          h.name() + " serves");
      assertTrue(h.shOk("docker inspect -f '{{.Config.Labels}}' failing").contains("v1"), h.name() + " is on a");
    }
    // the next good release rolls out
    String good = Registry.push("hostops/demo:v2", "hostops/up-failing:latest");
    awaitAll("failing", good);

    // moving: b finished everywhere before c began, then c everywhere; never three versions at once
    HostService last = awaitAll("moving", c);
    versions.stop();
    assertTrue(versions.most <= 2, "the fleet ran " + versions.most + " versions at once: " + versions.seen);
    assertTrue(versions.seen.contains(b), "b reached hosts: " + versions.seen);
    assertTrue(last.getStatus().rollout.image.endsWith("@" + c), describe(last.getStatus().rollout));
    assertFalse(k8s.events("moving", "ImageUpdated").isEmpty());
    System.out.printf("watched tag: b and c through 3 hosts (minReadySeconds 25) in %d s after the push%n",
        Duration.between(pushed, Instant.now()).toSeconds());
    k8s.delete("moving");
    k8s.delete("failing");
  }

  private static final List<String> NAMES = List.of("h1", "h2", "h3");

  private static HostService watched(String name, String image, int minReady) {
    HostService s = OperatorHarness.service(name, image, "h1", "h2", "h3");
    s.getSpec().update = new UpdateSpec();
    s.getSpec().update.interval = "1m";
    s.getSpec().rollout = new RolloutSpec();
    s.getSpec().rollout.maxUnavailable = 1;
    s.getSpec().rollout.minReadySeconds = minReady;
    s.getSpec().rollout.autoRevert = true;
    return s;
  }

  private static String digestOn(HostService s, String host) {
    return s.getStatus() == null || s.getStatus().hosts.stream().noneMatch(h -> host.equals(h.host))
        || on(s, host).imageDigest == null ? "" : on(s, host).imageDigest;
  }

  /** Every host runs the digest, and the rollout that brought it is complete. */
  private static HostService awaitAll(String name, String digest) {
    Await.until(WAIT, () -> {
      HostService now = k8s.get(name);
      return OperatorHarness.ready(now) && now.getStatus().rollout != null
          && RolloutStatus.COMPLETE.equals(now.getStatus().rollout.phase)
          && NAMES.stream().allMatch(h -> digestOn(now, h).endsWith(digest));
    }, () -> describe(k8s.get(name)));
    return k8s.get(name);
  }

  /** How many image versions the moving service's containers run at once, sampled on the hosts themselves. */
  private static final class Versions {
    volatile int most;
    final Set<String> seen = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final Thread thread;

    Versions() {
      thread = new Thread(() -> {
        while (running.get()) {
          Set<String> now = new HashSet<>();
          for (TestHost h : hosts) {
            String image = h.sh("docker inspect -f '{{.Image}}' moving 2>/dev/null").stdout().strip();
            if (!image.isEmpty()) {
              now.add(image);
            }
          }
          most = Math.max(most, now.size());
          for (String d : k8s.get("moving").getStatus().hosts.stream().map(e -> e.imageDigest).toList()) {
            if (d != null) {
              seen.add(d.substring(d.indexOf('@') + 1));
            }
          }
          try {
            Thread.sleep(500);
          } catch (InterruptedException e) {
            return;
          }
        }
      }, "versions");
      thread.start();
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join();
    }
  }
}
