package dev.hostops.reconcile;

import dev.hostops.render.ServiceValidation;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Which Hosts, HostServices and LogScrapes one release of hostops works on: those labelled
 * {@code hostops.dev/shard=<name>}, or, for the default release (no shard), those without that label.
 * The API server makes the selection (a label selector on every informer of these kinds), so a
 * process holds and watches only its share, as Flux shards its controllers.
 *
 * @param name the shard, or null for the default release
 */
public record Shard(String name) {
  public static final String LABEL = "hostops.dev/shard";
  public static final Shard DEFAULT = new Shard(null);
  // a label value that is also a DNS label, so the Lease name made from it is valid and no two shards
  // share one by accident (as "A" and "a", or "a_b" and "a-b" would)
  private static final Pattern NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");

  /** @throws IllegalArgumentException when {@code name} is not a label value */
  public static Shard of(String name) {
    if (name == null || name.isBlank()) {
      return DEFAULT;
    }
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("'" + ServiceValidation.printable(name)
          + "' is not a shard name: a label value of up to 63 lowercase letters, digits "
          + "and '-', beginning and ending with a letter or digit");
    }
    return new Shard(name);
  }

  /** The label selector the API server filters this release's informers by. */
  public String selector() {
    return name == null ? "!" + LABEL : LABEL + "=" + name;
  }

  /** The objects of every other release (the default release's too: "!=" matches objects without the label). */
  String othersSelector() {
    return name == null ? LABEL : LABEL + "!=" + name;
  }

  /** The shard an object is labelled with, or null for the default release. */
  static String of(HasMetadata o) {
    Map<String, String> labels = o.getMetadata().getLabels();
    return labels == null ? null : labels.get(LABEL);
  }

  /** The name of this release's leader-election Lease: releases of one shard share it, so only one acts. */
  public String leaseName() {
    return name == null ? "hostops-leader" : "hostops-leader-" + name;
  }

  @Override
  public String toString() {
    return name == null ? "default (objects without " + LABEL + ")" : name;
  }
}
