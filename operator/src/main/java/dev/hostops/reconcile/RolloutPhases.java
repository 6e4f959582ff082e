package dev.hostops.reconcile;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.ServiceOnHost;
import java.util.List;
import java.util.Objects;

/**
 * The rollout's memory in status: which spec it brings, the last image that completed (what a failing
 * host goes back to), its phase, and per host the image it ran before. Pure.
 */
final class RolloutPhases {
  private static final ObjectMapper JSON = new ObjectMapper();

  private RolloutPhases() {}

  /** The rollout this reconcile works on: the one in status, or a new one for a new generation. */
  static RolloutStatus start(RolloutStatus before, HostService service) {
    Long generation = service.getMetadata().getGeneration();
    String image = service.getSpec().image;
    if (before != null && Objects.equals(before.generation, generation)) {
      return moveTo(before, before.phase, before.message);
    }
    // the image a failing host goes back to is the last one that completed, not one that failed since
    String from = before == null ? null : RolloutStatus.COMPLETE.equals(before.phase) ? before.image : before.fromImage;
    return new RolloutStatus(generation, image, from, RolloutStatus.PROGRESSING);
  }

  /** The rollout in a phase: a copy, as this reconcile's status is built apart from the one it read. */
  static RolloutStatus moveTo(RolloutStatus rollout, String phase, String message) {
    RolloutStatus moved = new RolloutStatus(rollout.generation, rollout.image, rollout.fromImage, phase);
    moved.message = message;
    moved.previousImage = rollout.previousImage;
    moved.restartedAt = rollout.restartedAt;
    moved.restart = rollout.restart;
    return moved;
  }

  /** This rollout brings another image than the last one that completed. */
  static boolean imageChanged(RolloutStatus rollout) {
    if (rollout.fromImage == null || rollout.image == null) {
      return false;
    }
    String from = ImageTracking.digest(rollout.fromImage);
    String to = ImageTracking.digest(rollout.image);
    // a tag pinned to the digest it ran before is the same image (a restart that pulled no new digest)
    return from != null && to != null ? !from.equals(to) : !rollout.fromImage.equals(rollout.image);
  }

  /** The image a failing host goes back to: the one it ran before the image it runs now, or null. */
  static String revertTarget(ServiceOnHost before, String seenDigest) {
    if (before == null) {
      return null;
    }
    if (seenDigest != null && before.imageDigest != null && !seenDigest.equals(before.imageDigest)) {
      return before.imageDigest;
    }
    String previous = before.previousImageDigest;
    return previous != null && !previous.equals(seenDigest) && !previous.equals(before.imageDigest) ? previous : null;
  }

  /** The service as it would be with another image (a digest), for a host held on its previous one. */
  static HostService withImage(HostService service, String image) {
    HostService copy = new HostService();
    copy.setMetadata(service.getMetadata());
    HostServiceSpec spec = JSON.convertValue(service.getSpec(), HostServiceSpec.class);
    spec.image = image;
    copy.setSpec(spec);
    return copy;
  }

  /**
   * Carries the image history of a host into its new status entry: while the container is absent it
   * shows the image it last ran; when the image changed, the one before becomes previousImageDigest.
   */
  static void record(ServiceOnHost entry, ServiceOnHost before, String pinned) {
    if (entry == null) {
      return;
    }
    if (before != null) {
      if (entry.imageDigest == null) {
        entry.imageDigest = before.imageDigest;
      }
      entry.previousImageDigest = before.imageDigest != null && entry.imageDigest != null
          && !before.imageDigest.equals(entry.imageDigest) ? before.imageDigest : before.previousImageDigest;
    }
    if (pinned != null) {
      entry.revertedTo = pinned;
      if (ServiceState.of(entry) == ServiceState.Running) {
        entry.state = ServiceState.Reverted.name();
        entry.message = "back on " + pinned + " (spec.rollout.autoRevert): the spec's image failed here; change the "
            + "spec to try again";
      }
    }
  }

  /** The image every target host ran before its current one, when they agree; else null. */
  static String previousImage(List<ServiceOnHost> hosts, List<String> wanted) {
    List<String> previous = hosts.stream().filter(h -> wanted.contains(h.host))
        .map(h -> h.previousImageDigest).distinct().toList();
    return previous.size() == 1 && hosts.stream().filter(h -> wanted.contains(h.host)).count() == wanted.size()
        ? previous.get(0) : null;
  }
}
