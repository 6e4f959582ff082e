package dev.hostops.cli;

import dev.hostops.api.HostService;
import dev.hostops.api.PreStartStep;
import io.fabric8.kubernetes.api.model.HasMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * Replaces the images of HostServices by local stand-ins, for machines that reach no public
 * registry (the demo and the examples test). Only what needs a real program changes: images,
 * pre-start steps and reload commands run shell stand-ins; everything else stays as written.
 */
public final class StandIns {
  private final String serviceImage;
  private final String toolImage;

  /**
   * @param serviceImage runs forever, logging (hostops/demo)
   * @param toolImage    has a shell and exits when told (hostops/busybox)
   */
  public StandIns(String serviceImage, String toolImage) {
    this.serviceImage = serviceImage;
    this.toolImage = toolImage;
  }

  public List<HasMetadata> apply(List<HasMetadata> resources) {
    List<HasMetadata> out = new ArrayList<>();
    for (HasMetadata r : resources) {
      if (r instanceof HostService s && s.getSpec() != null) {
        if (s.getSpec().image != null) {
          s.getSpec().image = serviceImage;
        }
        for (PreStartStep step : s.getSpec().orEmpty(s.getSpec().preStart)) {
          step.image = toolImage;
          step.args = List.of("sh", "-c", "echo stand-in for: " + String.join(" ", step.args).replace("'", ""));
        }
        if (s.getSpec().reload != null) {
          s.getSpec().reload = List.of("sh", "-c", "echo reloaded");
        }
        if (s.getSpec().schedule != null) {
          s.getSpec().image = toolImage;
          s.getSpec().args = List.of("sh", "-c", "echo job ran at $(date -u +%FT%TZ)");
        }
        if (s.getSpec().compose != null && s.getSpec().compose.content != null) {
          s.getSpec().compose.content = s.getSpec().compose.content.replaceAll("(?m)^(\\s*image:\\s*).*$",
              "$1" + serviceImage);
        }
      }
      out.add(r);
    }
    return out;
  }
}
