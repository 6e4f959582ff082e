package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.LogScrape;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelector;
import io.fabric8.kubernetes.api.model.LabelSelectorRequirement;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Which Hosts a HostService runs on: named in spec.hosts, or matching spec.hostSelector. */
public final class HostSelection {
  private HostSelection() {}

  public static boolean targets(HostService service, Host host) {
    return service.getSpec() != null && targets(service, service.getSpec().hostsOrEmpty(),
        service.getSpec().hostSelector, host);
  }

  /** The names of the Hosts a service runs on: spec.hosts in order, then the selected ones by name. */
  static List<String> hostNames(HostService service, Collection<Host> hosts) {
    List<String> names = new ArrayList<>(service.getSpec() == null ? List.of() : service.getSpec().hostsOrEmpty());
    hosts.stream()
        .filter(h -> targets(service, h))
        .map(h -> h.getMetadata().getName())
        .filter(n -> !names.contains(n))
        .sorted()
        .forEach(names::add);
    return names;
  }

  public static boolean targets(LogScrape scrape, Host host) {
    return scrape.getSpec() != null && targets(scrape, scrape.getSpec().orEmpty(scrape.getSpec().hosts),
        scrape.getSpec().hostSelector, host);
  }

  private static boolean targets(HasMetadata selecting, List<String> names,
                                 LabelSelector selector, Host host) {
    if (!Objects.equals(selecting.getMetadata().getNamespace(), host.getMetadata().getNamespace())) {
      return false;
    }
    if (names.contains(host.getMetadata().getName())) {
      return true;
    }
    return selector != null && matches(selector, host.getMetadata().getLabels());
  }

  /** Kubernetes label selector semantics: matchLabels and matchExpressions, all must hold. */
  static boolean matches(LabelSelector selector, Map<String, String> labels) {
    Map<String, String> l = labels == null ? Map.of() : labels;
    if (selector.getMatchLabels() != null) {
      for (Map.Entry<String, String> e : selector.getMatchLabels().entrySet()) {
        if (!Objects.equals(l.get(e.getKey()), e.getValue())) {
          return false;
        }
      }
    }
    if (selector.getMatchExpressions() != null) {
      for (LabelSelectorRequirement r : selector.getMatchExpressions()) {
        List<String> values = r.getValues() == null ? List.of() : r.getValues();
        boolean has = l.containsKey(r.getKey());
        boolean ok = switch (r.getOperator()) {
          case "In" -> has && values.contains(l.get(r.getKey()));
          case "NotIn" -> !has || !values.contains(l.get(r.getKey()));
          case "Exists" -> has;
          case "DoesNotExist" -> !has;
          default -> false;
        };
        if (!ok) {
          return false;
        }
      }
    }
    return true;
  }
}
