package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.ready;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The metrics endpoint a Prometheus would scrape, and the probes a kubelet would call. */
class MetricsTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();

  @Test
  void metricsAndProbesReportWhatHappened() throws Exception {
    TestHost host = HOSTS.boot("metrics");
    try (OperatorHarness k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(10), 0)) {
      k8s.addHost(host, "m1", "root", Map.of());
      k8s.create(k8s.service("measured", host.image("hostops/demo:v1"), "m1"));
      Await.until(Duration.ofSeconds(60), () -> ready(k8s.get("measured")), () -> describe(k8s.get("measured")));
      Await.until(Duration.ofSeconds(30), () -> get(k8s, "/metrics").body().contains("hostops_host_reachable{host=\"m1\""),
          () -> get(k8s, "/metrics").body());

      String metrics = get(k8s, "/metrics").body();
      assertTrue(value(metrics, "hostops_reconciles_total\\{kind=\"hostservice\",result=\"success\"\\}") >= 1, metrics);
      assertTrue(value(metrics, "hostops_reconciles_total\\{kind=\"host\",result=\"success\"\\}") >= 1, metrics);
      assertTrue(value(metrics, "hostops_reconcile_duration_seconds_count\\{kind=\"hostservice\"\\}") >= 1, metrics);
      assertTrue(value(metrics, "hostops_ssh_round_trips_total\\{host=\"team/m1\"\\}") >= 2, metrics);
      assertTrue(value(metrics, "hostops_ssh_round_trip_duration_seconds_count\\{host=\"team/m1\"\\}") >= 2, metrics);
      assertEquals(1.0, value(metrics, "hostops_host_reachable\\{host=\"m1\",namespace=\"team\"\\}"), metrics);
      assertEquals(1.0, value(metrics, "hostops_service_ready\\{namespace=\"team\",service=\"measured\"\\}"), metrics);
      assertEquals(0.0, value(metrics, "hostops_service_degraded\\{namespace=\"team\",service=\"measured\"\\}"), metrics);
      assertEquals(200, get(k8s, "/healthz").statusCode());
      assertEquals(200, get(k8s, "/readyz").statusCode());
    }
  }

  private static HttpResponse<String> get(OperatorHarness k8s, String path) {
    try {
      return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + k8s.metricsPort + path)).build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private static double value(String metrics, String series) {
    Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+-]+)").matcher(metrics);
    if (!m.find()) {
      throw new AssertionError("no series " + series + " in\n" + metrics);
    }
    return Double.parseDouble(m.group(1));
  }
}
