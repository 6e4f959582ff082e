package dev.hostops.testhosts;

import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;

/** The one builder of test resources: what each test sets beyond it is what that test is about. */
public final class Fixtures {
  private Fixtures() {}

  /** A HostService running {@code image} on the named Hosts (none: a list left empty), nothing else set. */
  public static HostService service(String namespace, String name, String image, String... hosts) {
    HostService s = new HostService();
    s.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(namespace).build());
    s.setSpec(new HostServiceSpec());
    s.getSpec().image = image;
    s.getSpec().hosts = List.of(hosts);
    return s;
  }
}
