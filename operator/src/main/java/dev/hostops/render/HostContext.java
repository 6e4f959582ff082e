package dev.hostops.render;

import java.util.List;

/**
 * What rendering needs to know about the target host.
 *
 * @param composeCommand   how compose is run there: "docker compose", "docker-compose", or null when
 *                         the host has neither (or was not probed yet)
 * @param imagePullSecrets the Host's default image pull Secrets (names), used after the service's own
 */
public record HostContext(String composeCommand, List<String> imagePullSecrets) {
  public static final HostContext DEFAULT = new HostContext("docker compose");

  public HostContext(String composeCommand) {
    this(composeCommand, List.of());
  }
}
