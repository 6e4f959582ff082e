package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceStatus;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * The Hosts a HostService targets that belong to another shard. This release's informers never hold
 * them, so they are listed from the API server (its watch cache), and only when one may exist: a Host
 * the service names or ran on is not in this shard's cache, or a changed spec may select new ones. A
 * Host that moved to another shard is let go, never cleaned: its new shard takes it over as it is.
 */
final class ShardedHosts {
  private final KubernetesClient client;
  private final Shard shard;

  ShardedHosts(KubernetesClient client, Shard shard) {
    this.client = client;
    this.shard = shard;
  }

  /** Hosts of other shards the service targets, by name; {@code local} are this shard's Hosts of its namespace. */
  Map<String, Host> elsewhere(HostService service, HostServiceStatus previous, Map<String, Host> local) {
    boolean missing = Stream.concat(service.getSpec().hostsOrEmpty().stream(), previous.hosts.stream().map(h -> h.host))
        .anyMatch(name -> !local.containsKey(name));
    boolean newSelection = service.getSpec().hostSelector != null
        && !Objects.equals(service.getMetadata().getGeneration(), previous.observedGeneration);
    if (!missing && !newSelection) {
      return Map.of();
    }
    List<Host> others = client.resources(Host.class).inNamespace(service.getMetadata().getNamespace())
        .list(new ListOptionsBuilder().withLabelSelector(shard.othersSelector()).withResourceVersion("0").build())
        .getItems();
    Map<String, Host> foreign = new LinkedHashMap<>();
    others.stream()
        .filter(h -> !local.containsKey(h.getMetadata().getName()) && HostSelection.targets(service, h))
        .forEach(h -> foreign.put(h.getMetadata().getName(), h));
    return foreign;
  }

  /** What the status says of a Host of another shard. */
  static String message(String name, Host host, Shard here) {
    String theirs = Shard.of(host);
    String there = theirs == null ? "the default release (Host without " + Shard.LABEL + ")"
        : "shard " + theirs + " (Host labelled " + Shard.LABEL + "=" + theirs + ")";
    String move = theirs == null ? "remove the label " + Shard.LABEL + " from this HostService"
        : "label this HostService " + Shard.LABEL + "=" + theirs;
    return "Host " + name + " belongs to " + there + ", not to " + (here.name() == null ? "the default release"
        : "shard " + here.name()) + ": not applied here; " + move + " to run it there";
  }
}
