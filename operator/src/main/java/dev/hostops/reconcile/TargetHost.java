package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.host.ApplyPlan;
import dev.hostops.host.ServiceObservation;
import dev.hostops.render.RenderedService;
import dev.hostops.ssh.SshTarget;
import java.util.regex.Pattern;

/**
 * One host a HostService targets, as far as this reconcile got with it: named, then rendered and
 * probed (observe), perhaps pinned back on an earlier image (decide).
 *
 * @param host    the Host resource, or null when none has that name
 * @param before  the host's entry in the status this reconcile started from, or null
 * @param image   spec.image, whose repository's digest status reports
 * @param pinned  the image (a digest) autoRevert holds this host on, or null
 * @param desired set once rendered
 * @param ssh     set once probed, with seen and plan
 */
record TargetHost(String name, Host host, ServiceOnHost before, String image, String pinned, SshTarget ssh,
                  RenderedService desired, ServiceObservation seen, ApplyPlan plan) {
  private static final Pattern DIGEST = Pattern.compile("@sha256:[a-f0-9]+$");
  private static final Pattern TAG = Pattern.compile(":[^:/]+$");
  static TargetHost named(String name, Host host, ServiceOnHost before, String image, String pinned) {
    return new TargetHost(name, host, before, image, pinned, null, null, null, null);
  }

  TargetHost rendered(RenderedService desired) {
    return new TargetHost(name, host, before, image, pinned, null, desired, null, null);
  }

  TargetHost probed(SshTarget ssh, ServiceObservation seen, ApplyPlan plan) {
    return new TargetHost(name, host, before, image, pinned, ssh, desired, seen, plan);
  }

  TargetHost pinnedTo(String image, RenderedService desired, ApplyPlan plan) {
    return new TargetHost(name, host, before, this.image, image, ssh, desired, seen, plan);
  }

  /** The image the container of an observation runs, by digest when it has one; null when there is none. */
  String imageDigest(ServiceObservation observation) {
    ServiceObservation.ContainerState container = observation.container();
    if (container.imageId() == null) {
      return null;
    }
    // the repo digest that belongs to the configured image's repository, else the image ID
    String repo = image == null ? "" : TAG.matcher(DIGEST.matcher(image).replaceFirst("")).replaceFirst("");
    return container.repoDigests().stream()
        .filter(d -> d.startsWith(repo + "@"))
        .findFirst()
        .orElse(container.repoDigests().isEmpty() ? container.imageId() : container.repoDigests().get(0));
  }
}
