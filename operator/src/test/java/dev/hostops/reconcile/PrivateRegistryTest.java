package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.describe;
import static dev.hostops.reconcile.OperatorHarness.on;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.hostops.api.HostService;
import dev.hostops.api.ObjectName;
import dev.hostops.ssh.ExecResult;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.slf4j.LoggerFactory;

/**
 * A private image from a registry that asks for credentials (htpasswd, `testhosts auth-registry`),
 * on a real host: refused without credentials and said so in words, pulled with them, and a rotated
 * password rewrites the service's Docker config without a restart, for the next pull to use.
 */
class PrivateRegistryTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration RESYNC = Duration.ofSeconds(2);
  private static final Duration WAIT = Duration.ofSeconds(90);
  private static final String USER = "hostops";
  private static final String IMAGE = "registry.hostops.test:5001/hostops/private:v1";
  private static final ListAppender<ILoggingEvent> LOGS = new ListAppender<>();
  private static OperatorHarness k8s;
  private static TestHost host;

  @BeforeAll
  static void start() throws Exception {
    LOGS.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(LOGS);
    registry(password("one"));
    host = HOSTS.boot("pr");
    k8s = new OperatorHarness(RESYNC, Duration.ofSeconds(10));
    k8s.addHost(host, "vm", "root", Map.of());
  }

  @AfterAll
  static void stop() {
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(LOGS);
    if (k8s != null) {
      k8s.close();
    }
  }

  private static final String RUN = UUID.randomUUID().toString().substring(0, 8);

  private static String password(String which) {
    return "pw-" + which + "-" + RUN;
  }

  /** (Re)starts the registry accepting only USER with this password. */
  private static void registry(String password) {
    ExecResult r = TestHosts.exec(List.of(TestHosts.script(), "auth-registry", USER, password));
    if (!r.ok()) {
      throw new IllegalStateException("testhosts auth-registry failed: " + r.stderr());
    }
  }

  private static void pullSecret(String password) {
    String auth = Base64.getEncoder().encodeToString((USER + ":" + password).getBytes(StandardCharsets.UTF_8));
    String json = "{\"auths\":{\"registry.hostops.test:5001\":{\"username\":\"" + USER + "\",\"password\":\""
        + password + "\",\"auth\":\"" + auth + "\"}}}";
    k8s.client.secrets().inNamespace(OperatorHarness.NS).resource(new SecretBuilder()
        .withNewMetadata().withName("regcred").withNamespace(OperatorHarness.NS).endMetadata()
        .withType("kubernetes.io/dockerconfigjson")
        .addToStringData(".dockerconfigjson", json)
        .build()).createOr(r -> r.update());
  }

  private static String message() {
    HostService s = k8s.get("private");
    return s == null || s.getStatus() == null || s.getStatus().hosts.isEmpty() ? "" : on(s, "vm").message;
  }

  @Test
  void noCredentialsUnauthorizedThenRightCredentialsRunThenARotatedPasswordIsUsedAtTheNextPull() throws Exception {
    // 1. no credentials: the unit's pull is refused, and status says so in words
    k8s.create(k8s.service("private", IMAGE, "vm"));
    Await.until(WAIT, () -> message().contains("unauthorized"), () -> describe(k8s.get("private")));
    assertFalse(OperatorHarness.ready(k8s.get("private")));
    assertTrue(message().contains("spec.imagePullSecrets"), message());

    // 2. the right credentials: the service's own Docker config, the unit pulls with it, the service runs
    pullSecret(password("one"));
    k8s.edit("private", s -> s.getSpec().imagePullSecrets = List.of(new ObjectName("regcred")));
    k8s.awaitReady("private", WAIT);
    assertEquals("700 600", host.shOk("stat -c %a /root/private/.docker") + " "
        + host.shOk("stat -c %a /root/private/.docker/config.json"));
    assertFalse(host.sh("test -e /root/.docker/config.json").ok(), "never root's global Docker config");
    assertTrue(host.shOk("cat /etc/systemd/system/private.service")
        .contains("ExecStartPre=-/usr/bin/docker --config /root/private/.docker pull " + IMAGE + "\n"));
    assertEquals("running", host.shOk("docker inspect -f '{{.State.Status}}' private"));

    // 3. the registry's password changes and the Secret with it: the file is rewritten, nothing restarts
    String started = host.shOk("docker inspect -f '{{.State.StartedAt}}' private");
    registry(password("two"));
    pullSecret(password("two"));
    String newAuth = Base64.getEncoder().encodeToString((USER + ":" + password("two")).getBytes(StandardCharsets.UTF_8));
    Await.until(WAIT, () -> host.shOk("cat /root/private/.docker/config.json").contains(newAuth),
        () -> describe(k8s.get("private")));
    Thread.sleep(RESYNC.toMillis() * 2);
    assertEquals(started, host.shOk("docker inspect -f '{{.State.StartedAt}}' private"), "not restarted");
    assertEquals("600", host.shOk("stat -c %a /root/private/.docker/config.json"));

    // 4. the next pull (any restart) uses the new password
    host.shOk("systemctl restart private");
    Await.until(WAIT, () -> host.shOk("docker inspect -f '{{.State.Status}}' private").equals("running"),
        () -> host.sh("journalctl -u private -n 20 --no-pager").stdout());
    String lastRun = host.shOk("journalctl -o cat --no-pager _SYSTEMD_INVOCATION_ID=$(systemctl show -p InvocationID "
        + "--value private)");
    assertTrue(lastRun.contains("Image is up to date for " + IMAGE), lastRun);
    assertFalse(lastRun.contains("Error response from daemon"), lastRun);
    k8s.awaitReady("private", WAIT);

    // 5. the same credentials as the Host's default instead of the service's own: the unit and the file stay
    String unit = host.shOk("cat /etc/systemd/system/private.service");
    String config = host.shOk("cat /root/private/.docker/config.json");
    k8s.editHost("vm", h -> h.getSpec().imagePullSecrets = List.of(new ObjectName("regcred")));
    k8s.edit("private", s -> s.getSpec().imagePullSecrets = null);
    Thread.sleep(RESYNC.toMillis() * 3);
    k8s.awaitReady("private", WAIT);
    assertEquals(unit, host.shOk("cat /etc/systemd/system/private.service"));
    assertEquals(config, host.shOk("cat /root/private/.docker/config.json"));
    // ...and a change of that Secret reaches the file through the Host
    pullSecret(password("two") + "x");
    Await.until(WAIT, () -> !host.shOk("cat /root/private/.docker/config.json").equals(config),
        () -> describe(k8s.get("private")));
    pullSecret(password("two"));
    Await.until(WAIT, () -> host.shOk("cat /root/private/.docker/config.json").equals(config),
        () -> describe(k8s.get("private")));

    // credentials appear in no status, Event or operator log line
    String status = describe(k8s.get("private"));
    String events = describe(k8s.client.v1().events().inNamespace(OperatorHarness.NS).list().getItems());
    String logs = String.join("\n", LOGS.list.stream().map(e -> e.getFormattedMessage()
        + (e.getThrowableProxy() == null ? "" : " " + e.getThrowableProxy().getMessage())).toList());
    assertTrue(events.contains("/root/private/.docker/config.json"), "events say what was written");
    for (String secret : List.of(password("one"), password("two"), newAuth)) { // "two" also covers "twox"
      assertFalse(status.contains(secret), "no credentials in status");
      assertFalse(events.contains(secret), "no credentials in events");
      assertFalse(logs.contains(secret), "no credentials in the operator's log");
    }

    k8s.delete("private");
    Await.until(WAIT, () -> k8s.get("private") == null, () -> describe(k8s.get("private")));
    assertFalse(host.sh("test -e /root/private").ok(), "the Docker config directory is removed with the service");
  }
}
