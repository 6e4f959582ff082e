package dev.hostops.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import io.javaoperatorsdk.operator.api.config.Cloner;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The JSON of each resource at the version last reconciled, kept so that an idle resync serializes nothing
 * it serialized before. JOSDK hands every reconcile a copy of the cached resource (its default copy writes
 * the whole resource to JSON and reads it back); here the writing is done once per resource version, and
 * so is the JSON of the status that {@link StatusWrite} compares the new status with. An object without a
 * uid or resourceVersion is never taken from here. Entries no reconcile used for {@link #IDLE} are dropped
 * (the resource was deleted, or moved to another shard).
 */
public final class ResourceJson implements Cloner {
  static final Duration IDLE = Duration.ofHours(1);
  public static final ResourceJson INSTANCE = new ResourceJson(new KubernetesSerialization());

  private record Entry(String resourceVersion, String json, String statusJson, long used) {}

  private final KubernetesSerialization serialization;
  private final Map<String, Entry> byUid = new ConcurrentHashMap<>();
  private volatile long swept = System.nanoTime();

  ResourceJson(KubernetesSerialization serialization) {
    this.serialization = serialization;
  }

  @Override
  @SuppressWarnings("unchecked")
  public <R extends HasMetadata> R clone(R resource) {
    String uid = resource.getMetadata() == null ? null : resource.getMetadata().getUid();
    String version = uid == null ? null : resource.getMetadata().getResourceVersion();
    if (version == null) {
      return serialization.clone(resource);
    }
    Entry e = byUid.get(uid);
    String json;
    if (e != null && version.equals(e.resourceVersion()) && e.json() != null) {
      json = e.json();
      byUid.put(uid, new Entry(version, json, e.statusJson(), System.nanoTime()));
    } else {
      json = serialization.asJson(resource);
      byUid.put(uid, new Entry(version, json, null, System.nanoTime()));
    }
    sweep();
    return (R) serialization.unmarshal(json, resource.getClass());
  }

  /** The JSON of the resource's status, as it is at the resource's version (computed once per version). */
  <R extends HasMetadata> String statusJson(R resource, Function<R, Object> status) {
    String uid = resource.getMetadata() == null ? null : resource.getMetadata().getUid();
    String version = uid == null ? null : resource.getMetadata().getResourceVersion();
    if (version == null) {
      return asJson(status.apply(resource));
    }
    Entry e = byUid.get(uid);
    if (e != null && version.equals(e.resourceVersion()) && e.statusJson() != null) {
      return e.statusJson();
    }
    String json = asJson(status.apply(resource));
    byUid.compute(uid, (k, old) -> old != null && version.equals(old.resourceVersion())
        ? new Entry(version, old.json(), json, old.used()) : new Entry(version, null, json, System.nanoTime()));
    return json;
  }

  String asJson(Object value) {
    return serialization.asJson(value);
  }

  int size() {
    return byUid.size();
  }

  private void sweep() {
    long now = System.nanoTime();
    if (now - swept < IDLE.toNanos() / 4) {
      return;
    }
    swept = now;
    byUid.values().removeIf(e -> now - e.used() > IDLE.toNanos());
  }
}
