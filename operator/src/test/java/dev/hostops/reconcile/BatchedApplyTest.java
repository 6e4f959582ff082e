package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import dev.hostops.testhosts.NetworkLink;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Changes of many services bound for one host travel in one script: ten services created at once,
 * and later a Secret all ten use rotated, each cost one apply on the host (one daemon-reload, units
 * started in parallel), counted by the operator's own metrics and by systemd on the host.
 */
class BatchedApplyTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final int SERVICES = 10;

  @Test
  void tenServicesCreatedOrChangedTogetherAreOneApply() throws Exception {
    TestHost vm = HOSTS.boot("batch1");
    tenTogether(vm, vm.port());
  }

  /**
   * The same 50 ms away: the ten new services probe the host one after another (one script at a time
   * holds its lock), so their applies arrive spread over about a second; the batch waits for the
   * reconciles still probing instead of leaving them to the next one.
   */
  @Test
  void tenServicesCreatedTogetherFiftyMillisecondsAwayAreOneApply() throws Exception {
    TestHost vm = HOSTS.boot("batch2");
    try (NetworkLink link = vm.behind(NetworkLink.Profile.WAN)) {
      tenTogether(vm, link.port());
    }
  }

  private static void tenTogether(TestHost vm, int port) throws Exception {
    try (OperatorHarness k8s = new OperatorHarness(Duration.ofSeconds(30), Duration.ofSeconds(30), 0)) {
      k8s.addHost(vm, "vm1", "root", Map.of(), port);
      k8s.secret("shared", Map.of("token", "one"));
      Await.until(Duration.ofSeconds(60), () -> k8s.host("vm1").getStatus() != null
          && Boolean.TRUE.equals(k8s.host("vm1").getStatus().reachable), () -> OperatorHarness.describe(k8s.host("vm1")));
      String reloadsBefore = reloads(vm);

      List<String> names = IntStream.range(0, SERVICES).mapToObj(i -> "b" + i).toList();
      long t0 = System.nanoTime();
      names.parallelStream().forEach(n -> {
        HostService s = k8s.service(n, vm.image("hostops/demo:v1"), "vm1");
        ServiceFile f = new ServiceFile();
        f.name = "token";
        f.secretRef = new ValueSource("shared", "token");
        s.getSpec().files = List.of(f);
        k8s.create(s);
      });
      names.forEach(n -> k8s.awaitReady(n, Duration.ofSeconds(120)));
      double created = (System.nanoTime() - t0) / 1e9;
      double applies = value(k8s, "hostops_host_applies_total\\{host=\"team/vm1\"\\}");
      double services = value(k8s, "hostops_host_applied_services_total\\{host=\"team/vm1\"\\}");
      int reloaded = Integer.parseInt(reloads(vm)) - Integer.parseInt(reloadsBefore);
      System.out.printf("%d services created at once: Ready on the host in %.1f s, %.0f apply script(s), "
          + "%d daemon-reload(s) on the host%n", SERVICES, created, applies, reloaded);
      assertEquals(SERVICES, services, 0.0);
      assertTrue(applies <= 2, applies + " apply scripts for " + SERVICES + " services created together");
      assertTrue(reloaded <= applies, reloaded + " daemon-reloads for " + applies + " apply scripts");

      // a Secret every one of them uses changes: one apply for all ten
      k8s.secret("shared", Map.of("token", "two"));
      Await.until(Duration.ofSeconds(120), () -> names.stream()
              .allMatch(n -> vm.sh("cat /root/" + n + "/token").stdout().equals("two")),
          () -> "not all tokens rewritten");
      names.forEach(n -> k8s.awaitReady(n, Duration.ofSeconds(60)));
      Await.until(Duration.ofSeconds(60), () -> applied(k8s) == 2 * SERVICES, () -> "applied services: " + applied(k8s));
      double after = value(k8s, "hostops_host_applies_total\\{host=\"team/vm1\"\\}");
      System.out.printf("a Secret used by all %d rotated: %.0f apply script(s)%n", SERVICES, after - applies);
      assertTrue(after - applies <= 2, (after - applies) + " apply scripts for one Secret change");
    }
  }

  private static double applied(OperatorHarness k8s) {
    try {
      return value(k8s, "hostops_host_applied_services_total\\{host=\"team/vm1\"\\}");
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** How many times systemd reloaded its units, as the host's journal says. */
  private static String reloads(TestHost vm) {
    return vm.sh("journalctl -q _PID=1 --no-pager 2>/dev/null | grep -c 'Reloading' || true").stdout().strip();
  }

  private static double value(OperatorHarness k8s, String series) throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + k8s.metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^" + series + " ([0-9.eE+]+)$").matcher(body);
    if (!m.find()) {
      throw new AssertionError("no series " + series + " in\n" + body);
    }
    return Double.parseDouble(m.group(1));
  }
}
