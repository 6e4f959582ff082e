package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;

import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceStatus;
import dev.hostops.testhosts.Fixtures;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import org.junit.jupiter.api.Test;

/**
 * The copy a reconcile gets is read from JSON kept per resource version: it must never be an older
 * version's, never share objects with the cached resource, and equal what a full copy gives.
 */
class ResourceJsonTest {
  private final ResourceJson clones = new ResourceJson(new KubernetesSerialization());
  private final KubernetesSerialization json = new KubernetesSerialization();

  private static HostService service(String version, String image, String readyHosts) {
    HostService s = Fixtures.service("team", "web", image);
    s.getSpec().hosts = null;
    s.getMetadata().setUid("u-1");
    s.getMetadata().setResourceVersion(version);
    s.setStatus(new HostServiceStatus());
    s.getStatus().readyHosts = readyHosts;
    return s;
  }

  @Test
  void aCopyIsWhatAFullCopyGivesAndSharesNothing() {
    HostService cached = service("7", "nginx:1", "1/1");
    HostService copy = clones.clone(cached);
    HostService again = clones.clone(cached);
    assertEquals(json.asJson(cached), json.asJson(copy));
    assertEquals(json.asJson(cached), json.asJson(again));
    assertNotSame(cached.getSpec(), copy.getSpec());
    assertNotSame(copy.getStatus(), again.getStatus());
    copy.getStatus().readyHosts = "0/1"; // a reconcile writing its status into its copy
    assertEquals("1/1", cached.getStatus().readyHosts);
    assertEquals("1/1", clones.clone(cached).getStatus().readyHosts);
  }

  @Test
  void aNewVersionIsNeverServedTheOldJson() {
    clones.clone(service("7", "nginx:1", "1/1"));
    HostService newer = service("8", "nginx:2", "0/1");
    assertEquals("nginx:2", clones.clone(newer).getSpec().image);
    assertEquals(json.asJson(newer.getStatus()), clones.statusJson(newer, HostService::getStatus));
    // and the status JSON of a version follows its own version too
    HostService newest = service("9", "nginx:2", "1/1");
    assertNotEquals(clones.statusJson(newer, HostService::getStatus), clones.statusJson(newest, HostService::getStatus));
    assertEquals(json.asJson(newest.getStatus()), clones.statusJson(newest, HostService::getStatus));
    assertEquals(1, clones.size());
  }

  @Test
  void anObjectWithoutAVersionIsCopiedInFull() {
    HostService first = service(null, "nginx:1", "1/1");
    HostService changed = service(null, "nginx:2", "1/1");
    assertEquals("nginx:1", clones.clone(first).getSpec().image);
    assertEquals("nginx:2", clones.clone(changed).getSpec().image);
    assertEquals(0, clones.size());
  }
}
