package dev.hostops.render;

/**
 * What rendering needs to know about the target host.
 *
 * @param composeCommand how compose is run there: "docker compose", "docker-compose", or null when
 *                       the host has neither (or was not probed yet)
 */
public record HostContext(String composeCommand) {
  public static final HostContext DEFAULT = new HostContext("docker compose");
}
