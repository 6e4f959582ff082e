package dev.hostops.reconcile;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.informers.cache.BasicItemStore;
import io.fabric8.kubernetes.client.informers.cache.Cache;
import io.fabric8.kubernetes.client.informers.cache.ItemStore;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Stream;

/**
 * Secrets and ConfigMaps as hostops holds them: the informers keep only the metadata of each
 * (name, namespace, resourceVersion, type; no data, annotations or managed fields), so a cluster full
 * of Helm release Secrets and certificates costs the operator a few hundred bytes per object, not their
 * contents. The contents of the objects a service or Host actually refers to are read once per
 * resourceVersion (a GET when one changes, none at an idle resync) and kept here; during an API outage
 * the last contents serve.
 */
final class ReferencedObjects<R extends HasMetadata> {
  private record Entry<R>(String resourceVersion, R object) {}

  private final KubernetesClient client;
  private final Class<R> type;
  private final Map<String, Entry<R>> contents = new ConcurrentHashMap<>();
  private volatile InformerEventSource<R, ?> source;

  ReferencedObjects(KubernetesClient client, Class<R> type) {
    this.client = client;
    this.type = type;
  }

  void use(InformerEventSource<R, ?> source) {
    this.source = source;
  }

  /** The object with its contents, or empty when it does not exist. */
  Optional<R> get(String namespace, String name) {
    String key = namespace + "/" + name;
    InformerEventSource<R, ?> informer = source;
    Optional<R> meta = informer == null ? Optional.empty() : informer.get(new ResourceID(name, namespace));
    if (informer != null && meta.isEmpty() && informer.isRunning()) {
      contents.remove(key);
      return Optional.empty();
    }
    Entry<R> known = contents.get(key);
    if (known != null && meta.isPresent() && known.resourceVersion().equals(meta.get().getMetadata().getResourceVersion())) {
      return Optional.of(known.object());
    }
    R full = client.resources(type).inNamespace(namespace).withName(name).get();
    if (full == null) {
      contents.remove(key);
      return Optional.empty();
    }
    contents.put(key, new Entry<>(full.getMetadata().getResourceVersion(), full));
    return Optional.of(full);
  }

  Function<String, Optional<R>> in(String namespace) {
    return name -> get(namespace, name);
  }

  /** An informer store that keeps metadata only. */
  static <R extends HasMetadata> ItemStore<R> metadataOnly() {
    return new ItemStore<>() {
      private final BasicItemStore<R> store = new BasicItemStore<>(Cache::metaNamespaceKeyFunc);

      @Override
      public String getKey(R obj) {
        return store.getKey(obj);
      }

      @Override
      public R put(String key, R obj) {
        return store.put(key, slim(obj));
      }

      @Override
      public R remove(String key) {
        return store.remove(key);
      }

      @Override
      public Stream<String> keySet() {
        return store.keySet();
      }

      @Override
      public Stream<R> values() {
        return store.values();
      }

      @Override
      public R get(String key) {
        return store.get(key);
      }

      @Override
      public int size() {
        return store.size();
      }
    };
  }

  @SuppressWarnings("unchecked")
  private static <R extends HasMetadata> R slim(R obj) {
    ObjectMeta m = obj.getMetadata();
    ObjectMeta meta = new ObjectMetaBuilder().withName(m.getName()).withNamespace(m.getNamespace())
        .withUid(m.getUid()).withResourceVersion(m.getResourceVersion()).withGeneration(m.getGeneration())
        .withDeletionTimestamp(m.getDeletionTimestamp()).build();
    if (obj instanceof Secret s) {
      Secret slim = new Secret();
      slim.setMetadata(meta);
      slim.setType(s.getType());
      return (R) slim;
    }
    if (obj instanceof ConfigMap) {
      ConfigMap slim = new ConfigMap();
      slim.setMetadata(meta);
      return (R) slim;
    }
    return obj;
  }
}
