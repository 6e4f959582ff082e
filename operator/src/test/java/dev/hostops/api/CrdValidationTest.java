package dev.hostops.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hostops.ssh.ExecResult;
import dev.hostops.testhosts.KubeApi;
import dev.hostops.testhosts.Kubectl;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The generated CRDs on a real API server: the structural schema, every CEL rule and the defaults
 * are accepted at install, and the server itself refuses invalid resources with a message naming the
 * field, as a user sees it from {@code kubectl apply}.
 */
class CrdValidationTest {
  private static KubeApi api;
  private static Kubectl kubectl;

  @BeforeAll
  static void start() {
    api = KubeApi.start();
    kubectl = new Kubectl(api.kubeconfig());
  }

  @AfterAll
  static void stop() {
    if (api != null) {
      api.close();
    }
  }

  private static String service(String spec) {
    return """
        apiVersion: hostops.dev/v1alpha1
        kind: HostService
        metadata: {name: bad, namespace: default}
        spec:
        """ + spec.indent(2);
  }

  private static final String HOST = """
      apiVersion: hostops.dev/v1alpha1
      kind: Host
      metadata: {name: bad, namespace: default}
      spec:
      """;

  private static String host(String spec) {
    return HOST + spec.indent(2);
  }

  private static String scrape(String spec) {
    return """
        apiVersion: hostops.dev/v1alpha1
        kind: LogScrape
        metadata: {name: bad, namespace: default}
        spec:
        """ + spec.indent(2);
  }

  private static final String OK_HOST = """
      address: 203.0.113.10
      sshKeySecretRef: {name: vm1-ssh}
      knownHosts: "203.0.113.10 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE"
      """;

  /** Invalid resource, then what the server's refusal must contain: the field and the reason. */
  static Stream<Arguments> invalid() {
    return Stream.of(
        // every CEL rule (x-kubernetes-validations), by its message
        Arguments.of("both image and compose", service("image: r/demo:v1\nhosts: [vm1]\ncompose: {content: 'services: {}'}"),
            List.of("spec", "set exactly one of spec.image, spec.compose")),
        Arguments.of("neither image nor compose", service("hosts: [vm1]"),
            List.of("spec", "set exactly one of spec.image, spec.compose")),
        Arguments.of("no hosts and no selector", service("image: r/demo:v1\nhosts: []"),
            List.of("spec", "spec.hosts or spec.hostSelector must name at least one host")),
        Arguments.of("file with two sources", service("image: r/demo:v1\nhosts: [vm1]\nfiles:\n- name: a.conf\n  content: x\n"
                + "  configMapRef: {name: cm, key: a}"),
            List.of("spec.files[0]", "set exactly one of secretRef, configMapRef, content")),
        Arguments.of("volume with hostPath and name", service("image: r/demo:v1\nhosts: [vm1]\nvolumes:\n"
                + "- {hostPath: /srv, name: data, mountPath: /data}"),
            List.of("spec.volumes[0]", "set exactly one of hostPath, name")),
        Arguments.of("envFrom with two sources", service("image: r/demo:v1\nhosts: [vm1]\nenvFrom:\n"
                + "- {secretRef: {name: s}, configMapRef: {name: c}}"),
            List.of("spec.envFrom[0]", "set exactly one of secretRef, configMapRef")),
        Arguments.of("directory with two sources", service("image: r/demo:v1\nhosts: [vm1]\ndirectories:\n"
                + "- {name: conf.d, secretRef: {name: s}, configMapRef: {name: c}}"),
            List.of("spec.directories[0]", "set exactly one of secretRef, configMapRef")),
        Arguments.of("directory without a source", service("image: r/demo:v1\nhosts: [vm1]\ndirectories:\n"
                + "- {name: conf.d, mountPath: /etc/nginx/conf.d}"),
            List.of("spec.directories[0]", "set exactly one of secretRef, configMapRef")),
        Arguments.of("image pull Secret without a name", service("image: r/demo:v1\nhosts: [vm1]\nimagePullSecrets:\n- {}"),
            List.of("spec.imagePullSecrets[0].name", "Required value")),
        Arguments.of("compose with two sources", service("hosts: [vm1]\ncompose: {content: x, configMapRef: {name: c}}"),
            List.of("spec.compose", "set exactly one of content, configMapRef")),
        // patterns, bounds and required fields
        Arguments.of("port with a bad protocol", service("image: r/demo:v1\nhosts: [vm1]\nports: ['80:80/xyz']"),
            List.of("spec.ports[0]", "should match")),
        Arguments.of("file name with a slash", service("image: r/demo:v1\nhosts: [vm1]\nfiles:\n- {name: ../etc/passwd, content: x}"),
            List.of("spec.files[0].name", "should match")),
        Arguments.of("image with a space", service("image: 'r/demo:v1 --privileged'\nhosts: [vm1]"),
            List.of("spec.image", "should match")),
        Arguments.of("env name with a space", service("image: r/demo:v1\nhosts: [vm1]\nenv:\n- {name: 'A B', value: x}"),
            List.of("spec.env[0].name", "should match")),
        Arguments.of("restart delay too long", service("image: r/demo:v1\nhosts: [vm1]\nrestart: {delaySeconds: 99999}"),
            List.of("spec.restart.delaySeconds", "less than or equal to 3600")),
        Arguments.of("pull policy unknown", service("image: r/demo:v1\nhosts: [vm1]\npull: Sometimes"),
            List.of("spec.pull", "should match")),
        Arguments.of("schedule with a shell character", service("image: r/demo:v1\nhosts: [vm1]\nschedule: {onCalendar: 'daily; reboot'}"),
            List.of("spec.schedule.onCalendar", "should match")),
        Arguments.of("extra flag not a flag", service("image: r/demo:v1\nhosts: [vm1]\nextraArgs: ['; rm -rf /']"),
            List.of("spec.extraArgs[0]", "should match")),
        Arguments.of("reload working directory not absolute", service("image: r/demo:v1\nhosts: [vm1]\n"
            + "reload: [caddy, reload]\nreloadWorkdir: etc/caddy"), List.of("spec.reloadWorkdir", "should match")),
        Arguments.of("replaced unit that is a path", service("image: r/demo:v1\nhosts: [vm1]\nadopt: true\n"
            + "replaces: ../../usr/lib/systemd/system/ssh.service"), List.of("spec.replaces", "should match")),
        Arguments.of("update interval below the minimum", service("image: r/demo:latest\nhosts: [vm1]\n"
            + "update: {interval: 30s}"), List.of("spec.update",
            "spec.update.interval must be at least 1m: a registry is asked once per image per interval")),
        Arguments.of("update interval not a duration", service("image: r/demo:latest\nhosts: [vm1]\n"
            + "update: {interval: 5 minutes}"), List.of("spec.update.interval", "should match")),
        Arguments.of("update of an image given by digest", service("image: r/demo@sha256:"
            + "a".repeat(64) + "\nhosts: [vm1]\nupdate: {policy: Registry}"),
            List.of("spec", "spec.update: spec.image must be a tag, not a digest (image@sha256:… never moves) nor a "
                + "compose project")),
        Arguments.of("update of a compose project", service("hosts: [vm1]\ncompose: {content: x}\nupdate: {}"),
            List.of("spec", "spec.update: spec.image must be a tag")),
        Arguments.of("update lookup elsewhere", service("image: r/demo:latest\nhosts: [vm1]\nupdate: {lookup: Cluster}"),
            List.of("spec.update.lookup", "should match")),
        Arguments.of("restartedAt not a time", service("image: r/demo:v1\nhosts: [vm1]\nrestartedAt: 'now'"),
            List.of("spec.restartedAt", "should match")),
        Arguments.of("restartedAt with a newline", service("image: r/demo:v1\nhosts: [vm1]\n"
            + "restartedAt: \"2026-12-07T10:00:00Z\\nExecStartPre=/bin/sh\""),
            List.of("spec.restartedAt", "should match")),
        Arguments.of("unknown field", service("image: r/demo:v1\nhosts: [vm1]\nimagePolicy: x"),
            List.of("imagePolicy", "unknown field")),
        Arguments.of("Host without knownHosts", host("address: 203.0.113.10\nsshKeySecretRef: {name: vm1-ssh}"),
            List.of("spec.knownHosts", "Required value")),
        Arguments.of("Host without address", host("sshKeySecretRef: {name: k}\nknownHosts: 'x ssh-ed25519 AAAA'"),
            List.of("spec.address", "Required value")),
        Arguments.of("Host port out of range", host(OK_HOST + "port: 70000"),
            List.of("spec.port", "less than or equal to 65535")),
        Arguments.of("Host user with a shell character", host(OK_HOST + "user: 'root;id'"),
            List.of("spec.user", "should match")),
        Arguments.of("Host address that is an ssh option", host(OK_HOST.replace("203.0.113.10\n", "'-oProxyCommand=id'\n")),
            List.of("spec.address", "should match")),
        Arguments.of("bastion without knownHosts", host(OK_HOST + "proxyJump: {address: bastion.example, "
                + "sshKeySecretRef: {name: jump-ssh}}"),
            List.of("spec.proxyJump.knownHosts", "Required value")),
        Arguments.of("bastion without a key", host(OK_HOST + "proxyJump: {address: bastion.example, "
                + "knownHosts: 'bastion.example ssh-ed25519 AAAA'}"),
            List.of("spec.proxyJump.sshKeySecretRef", "Required value")),
        Arguments.of("bastion address that is an ssh option", host(OK_HOST + "proxyJump: {address: '-oProxyCommand=id', "
                + "sshKeySecretRef: {name: jump-ssh}, knownHosts: 'x ssh-ed25519 AAAA'}"),
            List.of("spec.proxyJump.address", "should match")),
        Arguments.of("bastion port out of range", host(OK_HOST + "proxyJump: {address: bastion.example, port: 0, "
                + "sshKeySecretRef: {name: jump-ssh}, knownHosts: 'x ssh-ed25519 AAAA'}"),
            List.of("spec.proxyJump.port", "greater than or equal to 1")),
        Arguments.of("bastion user with a shell character", host(OK_HOST + "proxyJump: {address: bastion.example, "
                + "user: 'jump;id', sshKeySecretRef: {name: jump-ssh}, knownHosts: 'x ssh-ed25519 AAAA'}"),
            List.of("spec.proxyJump.user", "should match")),
        Arguments.of("bastion knownHosts with a control character", host(OK_HOST + "proxyJump: {address: bastion.example, "
                + "sshKeySecretRef: {name: jump-ssh}, knownHosts: \"x ssh-ed25519 AAAA\\u0007\"}"),
            List.of("spec.proxyJump.knownHosts", "should match")),
        Arguments.of("bastion with an unknown field", host(OK_HOST + "proxyJump: {address: bastion.example, "
                + "forwardAgent: true, sshKeySecretRef: {name: jump-ssh}, knownHosts: 'x ssh-ed25519 AAAA'}"),
            List.of("forwardAgent", "unknown field")),
        Arguments.of("LogScrape job named like hostops' own", scrape("hosts: [vm1]\njobs:\n- {name: docker, path: /var/log/x.log}"),
            List.of("spec.jobs[0].name", "docker is the container log job hostops adds")),
        Arguments.of("LogScrape job path relative", scrape("hosts: [vm1]\njobs:\n- {name: app, path: var/log/x.log}"),
            List.of("spec.jobs[0].path", "should match")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalid")
  void theServerRefusesWithTheFieldNamed(String what, String yaml, List<String> expected) {
    ExecResult r = kubectl.apply(yaml);
    assertNotEquals(0, r.exitCode(), what + " was accepted:\n" + r.stdout());
    for (String part : expected) {
      assertTrue(r.stderr().contains(part), what + ": expected '" + part + "' in kubectl's error:\n" + r.stderr());
    }
    assertTrue(r.stderr().startsWith("The ") || r.stderr().startsWith("Error from server"),
        "the refusal is the API server's, not kubectl's: " + r.stderr());
  }

  /** Each CEL rule of the generated CRDs has a case above: a new rule needs its refusal tested. */
  @Test
  void everyCelRuleIsTested() throws Exception {
    Set<String> messages = new TreeSet<>();
    try (Stream<Path> files = Files.list(Path.of("../crds"))) {
      for (Path f : files.toList()) {
        collect(new YAMLMapper().readTree(f.toFile()), messages);
      }
    }
    List<String> tested = new ArrayList<>();
    invalid().forEach(a -> tested.addAll((List<String>) a.get()[2]));
    messages.removeIf(tested::contains);
    assertEquals(Set.of(), messages, "CEL rules without a test of their refusal");
  }

  private static void collect(JsonNode node, Set<String> messages) {
    if (node.isObject()) {
      JsonNode rules = node.get("x-kubernetes-validations");
      if (rules != null) {
        rules.forEach(r -> messages.add(r.path("message").asText()));
      }
      node.forEach(n -> collect(n, messages));
    } else if (node.isArray()) {
      node.forEach(n -> collect(n, messages));
    }
  }

  @Test
  void theServerFillsTheDefaults() throws Exception {
    String yaml = host(OK_HOST).replace("name: bad", "name: defaults") + "---\n"
        + service("image: r/demo:v1\nhosts: [defaults]").replace("name: bad", "name: defaults") + "---\n"
        + host(OK_HOST + "proxyJump: {address: bastion.example, sshKeySecretRef: {name: jump-ssh}, "
        + "knownHosts: 'bastion.example ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIE'}").replace("name: bad", "name: behind");
    ExecResult r = kubectl.apply(yaml);
    assertEquals(0, r.exitCode(), r.stderr());
    JsonNode h = new YAMLMapper().readTree(kubectl.run("get", "host", "defaults", "-o", "yaml").stdout());
    assertEquals(22, h.path("spec").path("port").asInt());
    assertEquals("root", h.path("spec").path("user").asText());
    assertEquals("ssh-privatekey", h.path("spec").path("sshKeySecretRef").path("key").asText());
    JsonNode jump = new YAMLMapper().readTree(kubectl.run("get", "host", "behind", "-o", "yaml").stdout())
        .path("spec").path("proxyJump");
    assertEquals(22, jump.path("port").asInt());
    assertEquals("root", jump.path("user").asText());
    assertEquals("ssh-privatekey", jump.path("sshKeySecretRef").path("key").asText());
    JsonNode s = new YAMLMapper().readTree(kubectl.run("get", "hostservice", "defaults", "-o", "yaml").stdout());
    assertEquals("Always", s.path("spec").path("pull").asText());
    assertTrue(s.path("spec").path("startOnBoot").asBoolean());
  }

  @Test
  void everyExampleIsAcceptedByTheServer() {
    ExecResult r = kubectl.run("apply", "--dry-run=server", "-f", "../examples/");
    assertEquals(0, r.exitCode(), r.stderr());
    ExecResult host = kubectl.run("apply", "--dry-run=server", "-f", "../examples/host.yaml.example");
    assertEquals(0, host.exitCode(), host.stderr());
  }
}
