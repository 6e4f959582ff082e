package dev.hostops.render;

/**
 * Why a service cannot be rendered for a host, and the message that says so to people. Decisions read the
 * reason; the message may be reworded freely.
 */
public record RenderProblem(Reason reason, String message) {
  public enum Reason {
    /** The service's own spec or what it references: nothing is applied anywhere until it is fixed. */
    SERVICE,
    /** The Host's own settings (its default pull Secrets): that host waits, the others go on. */
    HOST_SETTINGS,
    /** The host has neither {@code docker compose} nor {@code docker-compose} for a compose service. */
    HOST_LACKS_COMPOSE
  }
}
