package dev.hostops.bench;

import dev.hostops.host.ApplyPlanner;
import dev.hostops.host.HostConnection;
import dev.hostops.host.ServiceSync;
import dev.hostops.render.RenderedService;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The operator's resync of a host: one probe round trip for 10 services, as root and through
 * sudo, many times. Prints numbers; asserts none. Run with
 * {@code mvn verify -Dtest=ProbeRoundTripBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ProbeRoundTripBenchmark {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final int RUNS = 40;

  @Test
  void wholeHostProbe() throws Exception {
    TestHost host = HOSTS.boot("bench-p");
    List<RenderedService> services = ConvergeBenchmark.services(host);
    ServiceSync sync = new ServiceSync(Duration.ofSeconds(120));
    try (HostConnection root = HostConnection.open(host.root(), Duration.ofSeconds(30));
         HostConnection sudo = HostConnection.open(host.ubuntu(), Duration.ofSeconds(30))) {
      for (RenderedService s : services) {
        sync.sync(root, s);
      }
      for (HostConnection c : List.of(root, sudo)) {
        long[] t = new long[RUNS];
        sync.snapshot(c, false); // the containers seen once: the idle probe as a resync sends it
        long bytes = HostConnection.totalBytesSent();
        for (int r = 0; r < RUNS; r++) {
          long a = System.nanoTime();
          var snapshot = sync.snapshot(c, false);
          t[r] = System.nanoTime() - a;
          for (RenderedService s : services) {
            if (!ApplyPlanner.plan(s, snapshot.services().get(s.name())).isNoop()) {
              throw new AssertionError("probe saw a difference for " + s.name());
            }
          }
        }
        bytes = (HostConnection.totalBytesSent() - bytes) / RUNS;
        java.util.Arrays.sort(t);
        System.out.printf("%nwhole-host probe of %d services as %s: median %.1f ms, p10 %.1f ms, p90 %.1f ms (%d runs),"
            + " %d bytes sent per probe (command and input)%n",
            services.size(), c.target().user(), t[RUNS / 2] / 1e6, t[RUNS / 10] / 1e6, t[RUNS * 9 / 10] / 1e6, RUNS, bytes);
      }
    }
  }
}
