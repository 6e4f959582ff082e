package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.hostops.api.HostService;
import dev.hostops.api.LogSpec;
import dev.hostops.api.ObjectName;
import dev.hostops.api.ServiceDirectory;
import dev.hostops.host.ShellQuoting;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A whole ConfigMap and a whole Secret as folders mounted into a container, on a real host. */
class ConfigDirectoryTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static OperatorHarness k8s;
  private static TestHost host;

  @BeforeAll
  static void start() throws Exception {
    host = HOSTS.boot("cd");
    k8s = new OperatorHarness(RESYNC, Duration.ofSeconds(10));
    k8s.addHost(host, "vm", "root", Map.of());
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  private static String inContainer(String command) {
    return host.shOk("docker exec web sh -c " + ShellQuoting.quote(command));
  }

  @Test
  void keysComeAndGoAsFilesAndAReloadableServiceIsReloadedNotRestarted() throws Exception {
    k8s.configMap("web-conf", Map.of("a.conf", "A1\n", "b.conf", "B1\n"));
    k8s.secret("web-tls", Map.of("tls.key", "private-key-s3cr3t\n"));
    HostService s = k8s.service("web", "registry.hostops.test:5000/hostops/demo:v1", "vm");
    ServiceDirectory conf = new ServiceDirectory();
    conf.name = "conf.d";
    conf.mountPath = "/etc/conf.d";
    conf.configMapRef = new ObjectName("web-conf");
    ServiceDirectory tls = new ServiceDirectory();
    tls.name = "tls";
    tls.mountPath = "/tls";
    tls.secretRef = new ObjectName("web-tls");
    s.getSpec().directories = List.of(conf, tls);
    s.getSpec().reload = List.of("sh", "-c", "echo reload $(ls /etc/conf.d) $(ls /tls) >> /var/logs/web-reloads.log");
    s.getSpec().logs = new LogSpec();
    s.getSpec().logs.mount = true;
    k8s.create(s);
    k8s.awaitReady("web", WAIT);

    assertEquals("755 644 644 A1", host.shOk("stat -c %a /root/web/conf.d") + " "
        + host.shOk("stat -c %a /root/web/conf.d/a.conf") + " " + host.shOk("stat -c %a /root/web/conf.d/b.conf")
        + " " + host.shOk("cat /root/web/conf.d/a.conf"));
    assertEquals("700 600", host.shOk("stat -c %a /root/web/tls") + " " + host.shOk("stat -c %a /root/web/tls/tls.key"));
    assertEquals("A1 B1", inContainer("cat /etc/conf.d/a.conf /etc/conf.d/b.conf | tr '\\n' ' '").strip());
    assertEquals("private-key-s3cr3t", inContainer("cat /tls/tls.key"));
    assertFalse(host.sh("docker exec web sh -c 'echo x > /etc/conf.d/x'").ok(), "mounted read-only by default");
    String started = host.shOk("docker inspect -f '{{.State.StartedAt}}' web");

    // a key changed, one added, one removed: the folder follows, nginx-style reload, no restart
    k8s.configMap("web-conf", Map.of("a.conf", "A2\n", "c.conf", "C1\n"));
    k8s.client.configMaps().inNamespace(OperatorHarness.NS).withName("web-conf")
        .edit(cm -> { cm.getData().remove("b.conf"); return cm; });
    Await.until(WAIT, () -> inContainer("ls /etc/conf.d | tr '\\n' ' '").strip().equals("a.conf c.conf")
        && inContainer("cat /etc/conf.d/a.conf").equals("A2"), () -> host.sh("ls -la /root/web/conf.d").stdout());
    Await.until(WAIT, () -> host.sh("cat /root/var/logs/web-reloads.log").stdout().contains("reload a.conf c.conf tls.key"),
        () -> host.sh("cat /root/var/logs/web-reloads.log").stdout());
    assertEquals(started, host.shOk("docker inspect -f '{{.State.StartedAt}}' web"), "reloaded, not restarted");
    assertFalse(host.sh("test -e /root/web/conf.d/b.conf").ok());

    // a key added to the Secret: a 0600 file, seen in the container, still no restart
    k8s.secret("web-tls", Map.of("tls.key", "private-key-s3cr3t\n", "tls.crt", "CERT\n"));
    Await.until(WAIT, () -> inContainer("cat /tls/tls.crt").equals("CERT"), () -> host.sh("ls -la /root/web/tls").stdout());
    assertEquals("600", host.shOk("stat -c %a /root/web/tls/tls.crt"));
    assertEquals(started, host.shOk("docker inspect -f '{{.State.StartedAt}}' web"), "reloaded, not restarted");
    k8s.awaitReady("web", WAIT);
    assertFalse(describe(k8s.get("web")).contains("s3cr3t"), "no secret in status");
    assertFalse(describe(k8s.client.v1().events().inNamespace(OperatorHarness.NS).list().getItems()).contains("s3cr3t"),
        "no secret in events");

    // the folder taken out of the spec: its files and the folder go (the mount changed: a restart)
    k8s.edit("web", svc -> svc.getSpec().directories = List.of(svc.getSpec().directories.get(1)));
    Await.until(WAIT, () -> !host.sh("test -e /root/web/conf.d").ok(), () -> host.sh("ls -la /root/web").stdout());
    k8s.awaitReady("web", WAIT);
    assertFalse(host.sh("docker exec web ls /etc/conf.d/a.conf").ok());

    k8s.delete("web");
    Await.until(WAIT, () -> k8s.get("web") == null, () -> describe(k8s.get("web")));
    assertFalse(host.sh("test -e /root/web").ok(), "folders removed with the service: " + host.sh("ls -laR /root/web").stdout());
  }
}
