package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A management cluster full of Secrets hostops does not use (Helm releases, certificates): the
 * operator's heap does not grow with their contents. It holds their metadata (to hear about changes)
 * and the contents of the Secrets its services refer to, nothing more.
 */
class SecretMemoryTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final int SECRETS = 5000;
  private static final int SIZE = 100 * 1024;

  private static long usedHeap() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200);
    }
    return rt.totalMemory() - rt.freeMemory();
  }

  @Test
  void unrelatedSecretsDoNotGrowTheHeap() throws Exception {
    TestHost vm = HOSTS.boot("mem1");
    try (OperatorHarness k8s = new OperatorHarness(Duration.ofSeconds(5), Duration.ofSeconds(10))) {
      k8s.addHost(vm, "vm1", "root", Map.of());
      k8s.secret("app-credentials", Map.of("token", "v1"));
      HostService svc = k8s.service("app", vm.image("hostops/demo:v1"), "vm1");
      ServiceFile f = new ServiceFile();
      f.name = "token";
      f.secretRef = new ValueSource("app-credentials", "token");
      svc.getSpec().files = List.of(f);
      k8s.create(svc);
      k8s.awaitReady("app", Duration.ofSeconds(90));

      long before = usedHeap();
      k8s.api.namespace("releases");
      long t0 = System.nanoTime();
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> done = new java.util.ArrayList<>();
        for (int t = 0; t < 4; t++) {
          int part = t;
          done.add(pool.submit(() -> {
            Random random = new Random(part);
            byte[] data = new byte[SIZE];
            for (int i = part; i < SECRETS; i += 4) {
              random.nextBytes(data);
              k8s.client.secrets().inNamespace("releases").resource(new SecretBuilder()
                  .withNewMetadata().withName("sh.helm.release.v1.app" + i + ".v1").withNamespace("releases")
                  .addToLabels("owner", "helm").endMetadata().withType("helm.sh/release.v1")
                  .addToData("release", Base64.getEncoder().encodeToString(data)).build()).create();
            }
            return null;
          }));
        }
        for (Future<?> d : done) {
          d.get();
        }
      } finally {
        pool.shutdown();
      }
      double created = (System.nanoTime() - t0) / 1e9;
      // the operator still hears about the Secret it uses, and reads its new contents
      k8s.secret("app-credentials", Map.of("token", "v2"));
      Await.until(Duration.ofSeconds(60), () -> vm.sh("cat /root/app/token").stdout().equals("v2"),
          () -> vm.sh("cat /root/app/token").stdout());
      long after = usedHeap();
      double grewMb = (after - before) / 1048576.0;
      System.out.printf("%d unrelated Secrets of %d KB (%.0f MB) created in %.0f s; operator heap %.0f MB -> %.0f MB "
          + "(%+.1f MB)%n", SECRETS, SIZE / 1024, SECRETS * (double) SIZE / 1048576, created, before / 1048576.0,
          after / 1048576.0, grewMb);
      assertTrue(grewMb < 64, "heap grew by " + grewMb + " MB with " + SECRETS + " unrelated Secrets");
    }
  }
}
