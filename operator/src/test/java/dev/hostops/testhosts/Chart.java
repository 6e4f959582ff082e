package dev.hostops.testhosts;

import com.marcnuri.helm.Helm;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/** hostops' Helm chart rendered by helm-java (Helm as a library), as objects to apply to a real API server. */
public final class Chart {
  public static final Path DIR = Path.of("../charts/hostops");
  public static final String RELEASE = "hostops";
  private static final Set<String> RBAC = Set.of("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role",
      "RoleBinding");

  private Chart() {}

  /** Every object of the chart (CRDs excepted) for a release named {@value #RELEASE} in the namespace. */
  public static List<HasMetadata> render(String namespace, String... sets) {
    return renderRelease(RELEASE, namespace, sets);
  }

  /** The same for a release of another name (several releases side by side, one per shard). */
  public static List<HasMetadata> renderRelease(String release, String namespace, String... sets) {
    var template = new Helm(DIR).template().withName(release).withNamespace(namespace);
    for (int i = 0; i < sets.length; i += 2) {
      template.set(sets[i], sets[i + 1]);
    }
    String yaml = template.call();
    Object parsed = new KubernetesSerialization().unmarshal(new ByteArrayInputStream(yaml.getBytes(StandardCharsets.UTF_8)));
    List<?> all = parsed instanceof List<?> l ? l : List.of(parsed);
    return all.stream().filter(Objects::nonNull).map(HasMetadata.class::cast).peek(o -> {
      if (o.getMetadata().getNamespace() == null && !o.getKind().startsWith("Cluster")) {
        o.getMetadata().setNamespace(namespace);
      }
    }).toList();
  }

  /** The chart's ServiceAccount and RBAC only (what the operator runs with). */
  public static List<HasMetadata> rbac(String namespace, String... sets) {
    return rbacOfRelease(RELEASE, namespace, sets);
  }

  /** The ServiceAccount and RBAC of a release of another name. */
  public static List<HasMetadata> rbacOfRelease(String release, String namespace, String... sets) {
    return renderRelease(release, namespace, sets).stream().filter(o -> RBAC.contains(o.getKind())).toList();
  }

  /** The name of the chart's ServiceAccount. */
  public static String serviceAccount(List<HasMetadata> objects) {
    return objects.stream().filter(o -> o.getKind().equals("ServiceAccount")).findFirst().orElseThrow()
        .getMetadata().getName();
  }
}
