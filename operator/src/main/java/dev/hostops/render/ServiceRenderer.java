package dev.hostops.render;

import dev.hostops.api.HostService;
import java.util.List;

/** Renders a HostService into the files it puts on a host. Pure: no I/O. */
public final class ServiceRenderer {
  public static final String UNIT_DIR = "/etc/systemd/system";

  private ServiceRenderer() {}

  /** Call {@link ServiceValidation#problems} first; this assumes a valid resource. */
  public static RenderedService render(HostService service) {
    String name = service.getMetadata().getName();
    String owner = owner(service);
    String unit = UnitRenderer.render(name, owner, service.getSpec());
    return new RenderedService(name, owner,
        List.of(HostFile.text(UNIT_DIR + "/" + name + ".service", "644", unit)),
        service.getSpec().startOnBoot);
  }

  public static String owner(HostService service) {
    return service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
  }
}
