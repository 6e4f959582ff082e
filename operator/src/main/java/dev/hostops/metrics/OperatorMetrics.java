package dev.hostops.metrics;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.function.BooleanSupplier;

/**
 * Prometheus metrics of the operator, served with health probes on one HTTP port:
 * {@code /metrics}, {@code /healthz} (the process answers) and {@code /readyz} (the operator started
 * and its informers are healthy). Reconcile counts and durations come from JOSDK's Metrics hooks.
 */
public final class OperatorMetrics implements Metrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Counter reconciles = Counter.builder().name("hostops_reconciles_total")
      .help("Reconciles by resource kind and result").labelNames("kind", "result").register(registry);
  private final Histogram reconcileSeconds = Histogram.builder().name("hostops_reconcile_duration_seconds")
      .help("Reconcile duration by resource kind").labelNames("kind").register(registry);
  private final Counter roundTrips = Counter.builder().name("hostops_ssh_round_trips_total")
      .help("Remote commands run over SSH, by Host (namespace/name)").labelNames("host").register(registry);
  private final Histogram roundTripSeconds = Histogram.builder().name("hostops_ssh_round_trip_duration_seconds")
      .help("Duration of one remote command over SSH, by Host").labelNames("host").register(registry);
  private final Counter applies = Counter.builder().name("hostops_host_applies_total")
      .help("Scripts that changed a host (each carries the changes of every service bound there at the time), "
          + "by Host").labelNames("host").register(registry);
  private final Counter appliedServices = Counter.builder().name("hostops_host_applied_services_total")
      .help("Service changes carried by those scripts, by Host").labelNames("host").register(registry);
  private final Gauge hostReachable = Gauge.builder().name("hostops_host_reachable")
      .help("1 when the last probe reached the host").labelNames("namespace", "host").register(registry);
  private final Gauge hostLastProbe = Gauge.builder().name("hostops_host_last_probe_timestamp_seconds")
      .help("When the host was last probed (Unix time); not in status, so that a probe finding nothing new "
          + "writes nothing to the API").labelNames("namespace", "host").register(registry);
  private final Gauge serviceReady = Gauge.builder().name("hostops_service_ready")
      .help("1 when the HostService is Ready").labelNames("namespace", "service").register(registry);
  private final Gauge serviceDegraded = Gauge.builder().name("hostops_service_degraded")
      .help("1 when the HostService is Degraded").labelNames("namespace", "service").register(registry);
  private HttpServer server;

  @Override
  public <T> T timeControllerExecution(ControllerExecution<T> execution) throws Exception {
    String kind = execution.controllerName();
    long start = System.nanoTime();
    try {
      T result = execution.execute();
      reconciles.labelValues(kind, "success").inc();
      return result;
    } catch (Exception e) {
      reconciles.labelValues(kind, "error").inc();
      throw e;
    } finally {
      reconcileSeconds.labelValues(kind).observe((System.nanoTime() - start) / 1e9);
    }
  }

  /** One script applied the changes of {@code services} services on the host. */
  public void applied(String hostKey, int services) {
    applies.labelValues(hostKey).inc();
    appliedServices.labelValues(hostKey).inc(services);
  }

  public void roundTrip(String hostKey, long nanos) {
    roundTrips.labelValues(hostKey).inc();
    roundTripSeconds.labelValues(hostKey).observe(nanos / 1e9);
  }

  public void hostReachable(String namespace, String host, boolean reachable) {
    hostReachable.labelValues(namespace, host).set(reachable ? 1 : 0);
    hostLastProbe.labelValues(namespace, host).set(System.currentTimeMillis() / 1000.0);
  }

  public void service(String namespace, String service, boolean ready, boolean degraded) {
    serviceReady.labelValues(namespace, service).set(ready ? 1 : 0);
    serviceDegraded.labelValues(namespace, service).set(degraded ? 1 : 0);
  }

  public void serviceDeleted(String namespace, String service) {
    serviceReady.remove(namespace, service);
    serviceDegraded.remove(namespace, service);
  }

  /** Starts the HTTP endpoint; port 0 picks a free one. Returns the port. */
  public int serve(int port, BooleanSupplier ready) throws IOException {
    server = HttpServer.create(new InetSocketAddress(port), 0);
    server.createContext("/metrics", new MetricsHandler(registry));
    server.createContext("/healthz", exchange -> respond(exchange, 200, "ok\n"));
    server.createContext("/readyz", exchange -> {
      boolean ok = ready.getAsBoolean();
      respond(exchange, ok ? 200 : 503, ok ? "ready\n" : "not ready\n");
    });
    server.start();
    return server.getAddress().getPort();
  }

  public void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static void respond(HttpExchange exchange, int code, String body) throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    exchange.sendResponseHeaders(code, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }
}
