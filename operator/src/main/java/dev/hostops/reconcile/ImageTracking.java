package dev.hostops.reconcile;

import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.RolloutStatus;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.api.UpdateSpec;
import dev.hostops.api.UpdateStatus;
import dev.hostops.registry.TagLookup;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * Which image a reconcile rolls out. spec.image as written, unless its tag was looked up: a restart
 * (spec.restartedAt moved) and spec.update pin the tag to the digest the registry gave (tag@sha256:…), so
 * every host gets the same digest, even when the tag moves again mid-rollout. A pinned digest is kept for
 * later rollouts of the same tag until a restart or spec.update brings another one. Decides only: the
 * lookup itself is {@link TagLookup}'s.
 */
final class ImageTracking {
  /** A restart's lookup is shared with the services restarted in the same few seconds. */
  static final Duration RESTART_LOOKUP_AGE = Duration.ofSeconds(10);

  /** Asks for a tag's digest: image, Docker config.json (or null), how old a kept answer may be. */
  interface Lookup {
    TagLookup.Answer digest(String image, byte[] dockerConfig, Duration maxAge);
  }

  /**
   * @param image     the image this reconcile renders (spec.image, or its tag pinned to a digest)
   * @param rollout   the rollout this reconcile works on
   * @param update    status.update after this reconcile, or null without spec.update
   * @param blocked   why no host may be restarted now (a restart's lookup failed), or null
   * @param updated   an ImageUpdated Event's message, or null
   */
  record Choice(String image, RolloutStatus rollout, UpdateStatus update, String blocked, String updated) {}

  private ImageTracking() {}

  static Choice choose(HostService service, RolloutStatus before, UpdateStatus lastUpdate, List<ServiceOnHost> hosts,
                       Lookup lookup, Supplier<byte[]> dockerConfig, Instant now) {
    HostServiceSpec spec = service.getSpec();
    String base = spec.image;
    Long generation = service.getMetadata().getGeneration();
    boolean tracks = base != null && !base.contains("@") && !"Never".equals(spec.pull);
    String carried = tracks && before != null && before.image != null && before.image.startsWith(base + "@sha256:")
        ? before.image : null;
    boolean sameRollout = before != null && Objects.equals(before.generation, generation);
    boolean restart = !sameRollout && spec.restartedAt != null
        && !spec.restartedAt.equals(before == null ? null : before.restartedAt);
    String candidate = null;
    String blocked = null;
    TagLookup.Answer restartAnswer = null;
    if (tracks && restart) {
      restartAnswer = lookup.digest(base, dockerConfig.get(), RESTART_LOOKUP_AGE);
      if (restartAnswer.found()) {
        candidate = base + "@" + restartAnswer.digest();
      } else {
        blocked = "the restart of " + spec.restartedAt + " waits: " + restartAnswer.problem()
            + "; the old containers keep serving";
      }
    }
    UpdateStatus update = null;
    String updated = null;
    UpdateSpec watch = spec.update;
    if (tracks && watch != null && watch.watches()) {
      update = lastUpdate == null || !base.equals(lastUpdate.image) ? new UpdateStatus() : lastUpdate.copy();
      update.image = base;
      Duration interval = watch.intervalOrDefault();
      TagLookup.Answer answer = restartAnswer;
      if (answer == null && due(update.checkedAt, interval, now)) {
        answer = lookup.digest(base, dockerConfig.get(), interval);
      }
      if (answer != null) {
        // when the registry was asked: a kept answer (another service's lookup of the image) keeps its time
        update.checkedAt = (answer.at() == null ? now : answer.at()).toString();
        if (answer.found()) {
          if (update.digest != null && !answer.digest().equals(update.digest)) {
            updated = base + " moved from " + update.digest + " to " + answer.digest();
          }
          update.digest = answer.digest();
          update.message = base + " points at " + answer.digest();
        } else {
          update.message = answer.problem() + "; the hosts are left as they are";
        }
      }
      if (update.digest != null && candidate == null && blocked == null) {
        String wanted = base + "@" + update.digest;
        boolean moving = before != null && RolloutStatus.PROGRESSING.equals(before.phase) && carried != null;
        if (update.digest.equals(update.failedDigest)) {
          update.message = "waiting for a digest newer than " + update.failedDigest + " (it failed on a host and "
              + "was reverted)";
          candidate = carried;
        } else if (moving && !wanted.equals(carried)) {
          // the fleet never splits over three versions: the next digest waits for this rollout to end
          update.message = update.digest + " waits for the rollout of " + carried + " to finish";
          candidate = carried;
        } else {
          candidate = wanted;
        }
      }
    }
    String image = candidate != null ? candidate : carried != null ? carried : base;
    RolloutStatus rollout = start(before, generation, image, spec.restartedAt, blocked != null, hosts);
    if (restart && blocked == null && rollout.generation != null && rollout.generation.equals(generation)
        && RolloutStatus.PROGRESSING.equals(rollout.phase) && rollout.restart == null) {
      rollout.restart = true;
    }
    return new Choice(image, rollout, update, blocked, updated);
  }

  /** The rollout of this image: the one in status, or a new one for a new generation or image. */
  static RolloutStatus start(RolloutStatus before, Long generation, String image, String restartedAt, boolean blocked,
                             List<ServiceOnHost> hosts) {
    if (before != null && (blocked || Objects.equals(before.generation, generation)
        && Objects.equals(before.image, image))) {
      return RolloutPhases.moveTo(before, before.phase, before.message);
    }
    // the image a failing host goes back to is the last one that completed, not one that failed since
    String from = before == null ? null : RolloutStatus.COMPLETE.equals(before.phase) ? before.image : before.fromImage;
    if (from != null && image != null && digest(image) != null && digest(from) == null) {
      // a tag pinned for the first time: the hosts' own digest says whether it moved
      List<String> ran = hosts.stream().map(h -> digest(h.imageDigest)).distinct().toList();
      if (ran.size() == 1 && ran.get(0) != null) {
        from = image.substring(0, image.indexOf('@')) + "@" + ran.get(0);
      }
    }
    RolloutStatus rollout = new RolloutStatus(generation, image, from, RolloutStatus.PROGRESSING);
    rollout.restartedAt = restartedAt;
    rollout.previousImage = before == null ? null : before.previousImage;
    return rollout;
  }

  /** The sha256:… of an image reference, or null. */
  static String digest(String image) {
    if (image == null) {
      return null;
    }
    int at = image.indexOf("@sha256:");
    return at < 0 ? null : image.substring(at + 1);
  }

  private static boolean due(String checkedAt, Duration interval, Instant now) {
    if (checkedAt == null) {
      return true;
    }
    try {
      return !Instant.parse(checkedAt).plus(interval).isAfter(now);
    } catch (DateTimeParseException e) {
      return true;
    }
  }
}
