package dev.hostops.reconcile;

import static dev.hostops.reconcile.OperatorHarness.NS;
import static dev.hostops.reconcile.OperatorHarness.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Condition;
import dev.hostops.api.Host;
import dev.hostops.api.HostSpec;
import dev.hostops.api.LogAgentSpec;
import dev.hostops.api.LogJob;
import dev.hostops.api.LogScrape;
import dev.hostops.api.LogScrapeSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.host.HostConnection;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.SshTarget;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.Yaml;

/**
 * Hostile values in every Host field that reaches SSH, and in LogScrape fields that reach the log
 * agent's config, against a real host and the running operator. Each value that would execute
 * something tries to create a marker file; the test asserts the marker exists neither on the host
 * nor on the machine running the operator, and that status and Events name the field.
 */
class HostileInputOnARealHostTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final String MARKER = "/tmp/hostops-pwned-" + ProcessHandle.current().pid();
  private static final String RUN = "$(touch " + MARKER + ")";
  private static OperatorHarness k8s;
  private static TestHost host;

  @BeforeAll
  static void start() throws Exception {
    host = HOSTS.boot("hostile");
    k8s = new OperatorHarness(Duration.ofSeconds(2), Duration.ofSeconds(10));
    k8s.addHost(host, "vm1", "root", Map.of("env", "hostile"));
    Await.until(WAIT, () -> "True".equals(condition(k8s.host("vm1"), "Ready")), () -> describe(k8s.host("vm1")));
  }

  @AfterAll
  static void stop() {
    if (k8s != null) {
      k8s.close();
    }
  }

  @AfterEach
  void nothingWasExecuted() {
    assertFalse(host.sh("test -e " + MARKER).ok(), "a user's value was executed on the host");
    assertFalse(Files.exists(Path.of(MARKER)), "a user's value was executed where the operator runs");
  }

  static Arguments row(String field, Consumer<HostSpec> change) {
    return Arguments.of(field, change);
  }

  static Stream<Arguments> hostFields() {
    return Stream.of(
        row("spec.address: 'ADDR;touch " + MARKER + "'", s -> s.address = s.address + ";touch " + MARKER),
        row("spec.address: 'ADDR" + RUN + "'", s -> s.address = s.address + RUN),
        row("spec.address: 'ADDR\\x0atouch " + MARKER + "'", s -> s.address = s.address + "\ntouch " + MARKER),
        row("spec.address: '-oProxyCommand=touch " + MARKER + "'", s -> s.address = "-oProxyCommand=touch " + MARKER),
        row("spec.port: 70000", s -> s.port = 70000),
        row("spec.user: 'root;touch " + MARKER + "'", s -> s.user = "root;touch " + MARKER),
        row("spec.user: '" + RUN + "'", s -> s.user = RUN),
        row("spec.user: '-oProxyCommand=touch " + MARKER + "'", s -> s.user = "-oProxyCommand=touch " + MARKER),
        row("spec.sshKeySecretRef.name: '../" + RUN + "'", s -> s.sshKeySecretRef = new SecretKeyRef("../" + RUN, "k")),
        row("spec.sshKeySecretRef.key: '" + RUN + "'", s -> s.sshKeySecretRef = new SecretKeyRef("vm1-key", RUN)),
        row("spec.knownHosts: line 2: contains a control character",
            s -> s.knownHosts = s.knownHosts + "\n* ssh-ed25519 AAAA\u0000" + RUN),
        row("spec.knownHosts: line 2: host pattern '$(touch' is not",
            s -> s.knownHosts = s.knownHosts + "\n" + RUN + " " + s.knownHosts.split(" ", 2)[1]),
        row("spec.knownHosts: line 2: unsupported key type $(touch",
            s -> s.knownHosts = s.knownHosts + "\n@cert-authority * " + RUN + " AAAA"));
  }

  /**
   * Writes a resource; true when the API server itself refused it (the CRD's schema), naming the
   * field. A value the server lets through must then be refused by the operator.
   */
  private static boolean refusedByTheServer(Runnable write, String field) {
    try {
      write.run();
      return false;
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      assertEquals(422, e.getCode(), e.getMessage());
      String said = e.getStatus() == null ? e.getMessage() : e.getStatus().getMessage();
      assertTrue(said.contains(field), "the server's refusal names " + field + ": " + said);
      return true;
    }
  }

  /**
   * Refused by the API server with the field named, or else by the operator: status and an Event
   * name the field; nothing connects, nothing runs.
   */
  @ParameterizedTest
  @MethodSource("hostFields")
  void aHostileHostFieldIsRefusedByNameAndNeverExecuted(String expected, Consumer<HostSpec> change) {
    String name = "h" + Integer.toHexString(expected.hashCode() & 0xfffffff);
    Host h = new Host();
    h.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).build());
    h.setSpec(new HostSpec());
    h.getSpec().address = host.address();
    h.getSpec().port = host.port();
    h.getSpec().sshKeySecretRef = new SecretKeyRef("vm1-key", "ssh-privatekey");
    h.getSpec().knownHosts = host.knownHosts();
    change.accept(h.getSpec());
    String field = expected.replace("ADDR", host.address());
    if (refusedByTheServer(() -> k8s.client.resource(h).create(), field.substring(0, field.indexOf(':')))) {
      return;
    }
    Await.until(WAIT, () -> {
      Host now = k8s.host(name);
      return now.getStatus() != null && Boolean.FALSE.equals(now.getStatus().reachable)
          && now.getStatus().message.contains(field);
    }, () -> describe(k8s.host(name)));
    Condition ready = k8s.host(name).getStatus().conditions.stream().filter(c -> "Ready".equals(c.type)).findFirst()
        .orElseThrow();
    assertEquals("InvalidSpec", ready.reason, describe(ready));
    Await.until(WAIT, () -> k8s.client.v1().events().inNamespace(NS).list().getItems().stream()
        .anyMatch(e -> name.equals(e.getInvolvedObject().getName()) && "InvalidSpec".equals(e.getReason())
            && e.getMessage().contains(field)), () -> describe(k8s.client.v1().events().inNamespace(NS).list()));
    k8s.client.resource(k8s.host(name)).delete();
  }

  /**
   * Below the validation, at the SSH layer itself: a hostile user or address given straight to the
   * SSH client is only ever a value in the protocol. The host refuses the login; nothing runs.
   */
  @ParameterizedTest
  @MethodSource("sshValues")
  void theSshClientTakesValuesAsValuesEvenUnchecked(String address, String user) {
    SshTarget target = new SshTarget(address.replace("ADDR", host.address()), host.port(), user, host.privateKey(),
        host.knownHosts());
    assertThrows(HostException.class, () -> {
      try (HostConnection c = HostConnection.open(target, Duration.ofSeconds(10))) {
        c.run("true", Duration.ofSeconds(10));
      }
    });
  }

  static Stream<Arguments> sshValues() {
    return Stream.of(
        Arguments.of("ADDR", "root;touch " + MARKER),
        Arguments.of("ADDR", RUN),
        Arguments.of("ADDR", "`touch " + MARKER + "`"),
        Arguments.of("ADDR", "-oProxyCommand=touch " + MARKER),
        Arguments.of("ADDR", "root\ntouch " + MARKER),
        Arguments.of("ADDR;touch " + MARKER, "root"),
        Arguments.of("ADDR" + RUN, "root"),
        Arguments.of("-oProxyCommand=touch " + MARKER, "root"));
  }

  /** Values that pass validation reach the host's promtail file verbatim, and run nowhere. */
  @Test
  void logScrapeValuesReachTheHostVerbatim() {
    k8s.editHost("vm1", h -> {
      h.getSpec().logAgent = new LogAgentSpec();
      h.getSpec().logAgent.lokiUrl = "http://loki.internal:3100/loki/api/v1/push?tenant=" + RUN.replace(" ", "%20");
    });
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put("cmd", RUN);
    labels.put("yaml", "a: b # c");
    labels.put("quotes", "'\"`");
    labels.put("number", "0x1F");
    labels.put("systemd", "%H ${HOME} $HOME");
    LogJob job = new LogJob();
    job.name = "true";
    job.path = "/root/var/logs/" + RUN + "/a b: #c/*.log";
    job.labels = labels;
    LogScrape s = new LogScrape();
    s.setMetadata(new ObjectMetaBuilder().withName("nasty").withNamespace(NS).build());
    s.setSpec(new LogScrapeSpec());
    s.getSpec().hosts = List.of("vm1");
    s.getSpec().jobs = List.of(job);
    k8s.client.resource(s).create();
    Await.until(WAIT, () -> k8s.host("vm1").getStatus().logConfig != null
        && k8s.host("vm1").getStatus().logConfig.jobs.contains("nasty/true"), () -> describe(k8s.host("vm1")));

    Map<String, Object> config = new Yaml().load(host.shOk("cat /root/promtail/promtail.yaml"));
    @SuppressWarnings("unchecked")
    Map<String, Object> scraped = ((List<Map<String, Object>>) config.get("scrape_configs")).stream()
        .filter(j -> "true".equals(j.get("job_name"))).findFirst().orElseThrow();
    @SuppressWarnings("unchecked")
    Map<String, Object> onHost = (Map<String, Object>) ((List<Map<String, Object>>) scraped.get("static_configs"))
        .get(0).get("labels");
    labels.forEach((k, v) -> assertEquals(v, onHost.get(k), k));
    assertEquals(job.path, onHost.get("__path__"));
    assertEquals("true", onHost.get("job"));
    @SuppressWarnings("unchecked")
    String url = (String) ((List<Map<String, Object>>) config.get("clients")).get(0).get("url");
    assertEquals("http://loki.internal:3100/loki/api/v1/push?tenant=" + RUN.replace(" ", "%20"), url);

    // a hostile container name for the reload: refused by name, the file stays as it was
    String before = host.shOk("cat /root/promtail/promtail.yaml");
    Host hostile = k8s.host("vm1");
    hostile.getSpec().logAgent.container = "-x" + RUN;
    if (!refusedByTheServer(() -> k8s.client.resource(hostile).update(), "spec.logAgent.container")) {
      Await.until(WAIT, () -> k8s.host("vm1").getStatus().logConfig.problem != null
          && k8s.host("vm1").getStatus().logConfig.problem.startsWith("spec.logAgent.container: '-x" + RUN + "'"),
          () -> describe(k8s.host("vm1").getStatus()));
    }
    assertEquals(before, host.shOk("cat /root/promtail/promtail.yaml"));

    // an invalid LogScrape: its own status and an Event name the field; the host's file is untouched
    LogScrape bad = new LogScrape();
    bad.setMetadata(new ObjectMetaBuilder().withName("bad").withNamespace(NS).build());
    bad.setSpec(new LogScrapeSpec());
    bad.getSpec().hosts = List.of("vm1");
    LogJob escape = new LogJob();
    escape.name = "escape";
    escape.path = "/var/log/x.log\n  __path__: /etc/shadow";
    bad.getSpec().jobs = List.of(escape);
    if (refusedByTheServer(() -> k8s.client.resource(bad).create(), "spec.jobs[0].path")) {
      assertEquals(before, host.shOk("cat /root/promtail/promtail.yaml"));
      return;
    }
    String expected = "LogScrape bad: spec.jobs[0].path: '/var/log/x.log\\x0a  __path__: /etc/shadow' has a control character";
    Await.until(WAIT, () -> {
      LogScrape now = k8s.client.resources(LogScrape.class).inNamespace(NS).withName("bad").get();
      return now.getStatus() != null && now.getStatus().conditions.stream().anyMatch(c -> "Ready".equals(c.type)
          && "InvalidSpec".equals(c.reason) && c.message.startsWith(expected));
    }, () -> describe(k8s.client.resources(LogScrape.class).inNamespace(NS).withName("bad").get()));
    Await.until(WAIT, () -> k8s.client.v1().events().inNamespace(NS).list().getItems().stream()
        .anyMatch(e -> "bad".equals(e.getInvolvedObject().getName()) && "InvalidSpec".equals(e.getReason())
            && e.getMessage().startsWith(expected)), () -> describe(k8s.client.v1().events().inNamespace(NS).list()));
    assertEquals(before, host.shOk("cat /root/promtail/promtail.yaml"));
    assertTrue(host.shOk("cat /root/promtail/promtail.yaml").contains("job_name: 'true'")
        || host.shOk("cat /root/promtail/promtail.yaml").contains("job_name: \"true\""), "quoted, not a boolean");
  }

  private static String condition(Host h, String type) {
    return h == null || h.getStatus() == null ? null : h.getStatus().conditions.stream()
        .filter(c -> type.equals(c.type)).map(c -> c.status).findFirst().orElse(null);
  }
}
