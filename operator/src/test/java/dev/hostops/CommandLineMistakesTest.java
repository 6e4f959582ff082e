package dev.hostops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A user's mistake on the command line, or in a manifest given to it, is answered with one clear
 * line on stderr and exit code 2: no stack trace, nothing on stdout. In-process for the whole table,
 * and as a real process (bin/hostops runs the same main class) for a few rows.
 */
class CommandLineMistakesTest {
  private static final String HOST = """
      apiVersion: hostops.dev/v1alpha1
      kind: Host
      metadata: {name: vm1}
      spec:
        address: 192.0.2.1
        sshKeySecretRef: {name: vm-ssh}
        knownHosts: "192.0.2.1 ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPF34DzFB4liSZZb/Ies84+g1h9h2wJI567sulrun3CP"
      """;

  @TempDir static Path dir;

  /** args (FILE stands for the manifest written from {@code manifest}), the manifest, the one line expected. */
  static Arguments mistake(List<String> args, String manifest, String line) {
    return Arguments.of(args, manifest, line);
  }

  static Stream<Arguments> mistakes() {
    String known = "known here: address, imagePullSecrets, knownHosts, logAgent, port, proxyJump, sshKeySecretRef, user";
    return Stream.of(
        mistake(List.of(), null, "hostops: no command: use run, render, import, restart, local or stand-ins (hostops help shows how)"),
        mistake(List.of("deploy"), null, "hostops: unknown command 'deploy': use run, render, import, restart, local or stand-ins "
            + "(hostops help shows how)"),
        mistake(List.of("--render"), null, "hostops: unknown command '--render': use run, render, import, restart, local or stand-ins "
            + "(hostops help shows how)"),
        mistake(List.of("render"), null, "hostops render: no manifests given: hostops render [-n NAMESPACE] -f FILE…"),
        mistake(List.of("restart"), null, "hostops restart: which service? kubectl hostops restart SERVICE"),
        mistake(List.of("restart", "Web"), null, "hostops restart: 'Web' is not a HostService name"),
        mistake(List.of("render", "--file", "@FILE@"), HOST, "hostops render: unknown flag --file (flags: -f FILE, -n NAMESPACE)"),
        mistake(List.of("render", "-f"), null, "hostops render: -f needs a file or folder"),
        mistake(List.of("render", "-f", "-n", "x"), null, "hostops render: -f needs a file or folder"),
        mistake(List.of("render", "-f", "@FILE@", "-n"), HOST, "hostops render: -n needs a namespace"),
        mistake(List.of("render", "-f", "@NOFILE@"), null, "hostops render: @NOFILE@: no such file or folder"),
        mistake(List.of("render", "-f", "@EMPTY@"), null, "hostops render: @EMPTY@: no .yaml or .yml file in this folder"),
        mistake(List.of("render", "-f", "@FILE@"), "kind: Host\nmetadata: name: vm1\n",
            "hostops render: @FILE@: not valid YAML at line 2, column 15: mapping values are not allowed here"),
        mistake(List.of("render", "-f", "@FILE@"), "kind: Host\nspec:\n  address: \"192.0.2.1\n",
            "hostops render: @FILE@: not valid YAML at line 4, column 1: found unexpected end of stream"),
        mistake(List.of("render", "-f", "@FILE@"), "kind: Host\n\tspec: {}\n",
            "hostops render: @FILE@: not valid YAML at line 2, column 1: found character '\\t(TAB)' that cannot start any "
                + "token. (Do not use \\t(TAB) for indentation)"),
        mistake(List.of("render", "-f", "@FILE@"), HOST.replace("address:", "adress:"),
            "hostops render: @FILE@: Host vm1: spec.adress: unknown field (" + known + ")"),
        mistake(List.of("render", "-f", "@FILE@"), HOST + "  logAgent: {formt: alloy}\n",
            "hostops render: @FILE@: Host vm1: spec.logAgent.formt: unknown field (known here: adopt, container, format, "
                + "lokiUrl)"),
        mistake(List.of("render", "-f", "@FILE@"), """
            apiVersion: hostops.dev/v1alpha1
            kind: LogScrape
            metadata: {name: logs}
            spec:
              hosts: [vm1]
              jobs: [{name: app, pth: /var/log/app.log}]
            """, "hostops render: @FILE@: LogScrape logs: spec.jobs[0].pth: unknown field (known here: labels, name, "
            + "path, pipelineStages)"),
        mistake(List.of("render", "-f", "@FILE@"), HOST + "  port: twenty-two\n",
            "hostops render: @FILE@: Host vm1: spec.port: 'twenty-two' is not a whole number"),
        mistake(List.of("render", "-f", "@FILE@"), """
            apiVersion: hostops.dev/v1alpha1
            kind: HostService
            metadata: {name: web}
            spec: {image: nginx, hosts: {vm1: true}}
            """, "hostops render: @FILE@: HostService web: spec.hosts: expected a list"),
        mistake(List.of("render", "-f", "@FILE@"), HOST + "---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n",
            "hostops render: @FILE@: document 2: kind Deployment is not one hostops reads (Host, HostService, LogScrape, "
                + "Secret, ConfigMap)"),
        mistake(List.of("render", "-f", "@FILE@"), "apiVersion: v1\nmetadata: {name: x}\n",
            "hostops render: @FILE@: document 1: no kind (one of Host, HostService, LogScrape, Secret, ConfigMap)"),
        mistake(List.of("render", "-f", "@FILE@"), HOST.replace("v1alpha1", "v1"),
            "hostops render: @FILE@: document 1: Host must have apiVersion hostops.dev/v1alpha1, not hostops.dev/v1"),
        mistake(List.of("render", "-f", "@FILE@"), "just a line of text\n",
            "hostops render: @FILE@: document 1: not a Kubernetes resource (a mapping with apiVersion, kind, metadata)"),
        mistake(List.of("render", "-f", "@FILE@"), HOST.replace("metadata: {name: vm1}", "metadata: {}"),
            "hostops render: @FILE@: document 1: Host has no metadata.name"),
        mistake(List.of("render", "-f", "@FILE@"), HOST.replace("192.0.2.1\n", "\"192.0.2.1;reboot\"\n"),
            "Host default/vm1: spec.address: '192.0.2.1;reboot' is not a DNS name or IP address"),
        mistake(List.of("render", "-f", "@FILE@"), HOST + "  proxyJump: {adress: bastion.example}\n",
            "hostops render: @FILE@: Host vm1: spec.proxyJump.adress: unknown field (known here: address, knownHosts, "
                + "port, sshKeySecretRef, user)"),
        mistake(List.of("render", "-f", "@FILE@"), HOST + "  proxyJump: {address: bastion.example, port: 70000, "
                + "sshKeySecretRef: {name: jump-ssh}, knownHosts: \"bastion.example ssh-ed25519 "
                + "AAAAC3NzaC1lZDI1NTE5AAAAIPF34DzFB4liSZZb/Ies84+g1h9h2wJI567sulrun3CP\"}\n",
            "Host default/vm1: spec.proxyJump.port: 70000 is not a TCP port (1-65535)"),
        mistake(List.of("render", "-f", "@FILE@"), HOST + "  proxyJump: {address: \"bastion;reboot\", "
                + "sshKeySecretRef: {name: jump-ssh}, knownHosts: \"* ssh-ed25519 "
                + "AAAAC3NzaC1lZDI1NTE5AAAAIPF34DzFB4liSZZb/Ies84+g1h9h2wJI567sulrun3CP\"}\n",
            "Host default/vm1: spec.proxyJump.address: 'bastion;reboot' is not a DNS name or IP address"),
        mistake(List.of("render", "-f", "@FILE@"), HOST + """
            ---
            apiVersion: hostops.dev/v1alpha1
            kind: LogScrape
            metadata: {name: logs}
            spec:
              hosts: [vm1]
              jobs: [{name: app, path: "/var/log/../../etc/shadow"}]
            """, "LogScrape default/logs: spec.jobs[0].path: '/var/log/../../etc/shadow' has a '.' or '..' segment; "
            + "write the path it means"),
        mistake(List.of("render", "-f", "@FILE@"), HOST + "  logAgent: {lokiUrl: \"ftp://loki/push\"}\n",
            "Host default/vm1: log config: spec.logAgent.lokiUrl: 'ftp://loki/push' is not an http(s) URL (no spaces, "
                + "quotes, backslashes or control characters)"),
        mistake(List.of("stand-ins"), null, "hostops stand-ins: usage: hostops stand-ins REGISTRY PATH…"),
        mistake(List.of("stand-ins", "reg:5000", "@NOFILE@"), null, "hostops stand-ins: @NOFILE@: no such file or folder"),
        mistake(List.of("stand-ins", "--registry", "reg:5000", "@FILE@"), HOST,
            "hostops stand-ins: unknown flag --registry; usage: hostops stand-ins REGISTRY PATH…"),
        mistake(List.of("local"), null, "hostops local: no manifests given: hostops local -f PATH… "
            + "[--stand-in-images REGISTRY]"),
        mistake(List.of("local", "-f", "@FILE@", "--stand-in"), HOST, "hostops local: unknown flag --stand-in (flags: "
            + "-f PATH, --stand-in-images REGISTRY)"),
        mistake(List.of("local", "-f", "@FILE@", "--stand-in-images"), HOST,
            "hostops local: --stand-in-images needs a registry (host:port)"),
        mistake(List.of("local", "-f", "@NOFILE@"), null, "hostops local: @NOFILE@: no such file or folder"),
        mistake(List.of("local", "-f", "@FILE@"), "kind: Host\nmetadata: name: vm1\n",
            "hostops local: @FILE@: not valid YAML at line 2, column 15: mapping values are not allowed here"),
        mistake(List.of("run", "--kubeconfig", "x"), null, "hostops run: unexpected argument '--kubeconfig' (settings "
            + "are HOSTOPS_* environment variables, see the README)"));
  }

  @ParameterizedTest
  @MethodSource("mistakes")
  void oneLineAndExitTwo(List<String> args, String manifest, String line) throws Exception {
    Files.createDirectories(dir.resolve("empty"));
    Path file = Files.createTempFile(dir, "manifest", ".yaml");
    if (manifest != null) {
      Files.writeString(file, manifest);
    }
    List<String> real = args.stream().map(a -> a.replace("@NOFILE@", dir.resolve("nope.yaml").toString())
        .replace("@EMPTY@", dir.resolve("empty").toString()).replace("@FILE@", file.toString())).toList();
    Result r = inProcess(real, Map.of());
    String expected = line.replace("@NOFILE@", dir.resolve("nope.yaml").toString())
        .replace("@EMPTY@", dir.resolve("empty").toString()).replace("@FILE@", file.toString());
    assertEquals(expected + "\n", r.err);
    assertEquals(2, r.exit);
    if (!args.contains("render") || manifest == null || r.err.startsWith("hostops")) {
      assertEquals("", r.out, "nothing on stdout when the command could not run");
    }
  }

  static Stream<Arguments> badSettings() {
    return Stream.of(
        Arguments.of(Map.of("HOSTOPS_RESYNC_SECONDS", "1m"), "HOSTOPS_RESYNC_SECONDS: '1m' is not a whole number of at least 1"),
        Arguments.of(Map.of("HOSTOPS_RESYNC_SECONDS", "0"), "HOSTOPS_RESYNC_SECONDS: '0' is not a whole number of at least 1"),
        Arguments.of(Map.of("HOSTOPS_HOST_THREADS", "many"), "HOSTOPS_HOST_THREADS: 'many' is not a whole number of at least 1"),
        Arguments.of(Map.of("HOSTOPS_SSH_TIMEOUT_SECONDS", "-5"), "HOSTOPS_SSH_TIMEOUT_SECONDS: '-5' is not a whole number"),
        Arguments.of(Map.of("HOSTOPS_METRICS_PORT", "80 80"), "HOSTOPS_METRICS_PORT: '80 80' is not a whole number"),
        Arguments.of(Map.of("HOSTOPS_LOKI_URL", "loki:3100"), "HOSTOPS_LOKI_URL: 'loki:3100' is not an http(s) URL"),
        Arguments.of(Map.of("HOSTOPS_LOKI_URL", "http://loki/push\"\n"), "HOSTOPS_LOKI_URL: 'http://loki/push\"\\x0a' is not"),
        Arguments.of(Map.of("HOSTOPS_SHARD", "team a"), "HOSTOPS_SHARD: 'team a' is not a shard name"),
        Arguments.of(Map.of("HOSTOPS_SHARD", "-a"), "HOSTOPS_SHARD: '-a' is not a shard name"),
        Arguments.of(Map.of("HOSTOPS_SHARD", "x".repeat(64)), "HOSTOPS_SHARD: '" + "x".repeat(64) + "' is not a shard"));
  }

  /** The operator's settings are checked before it connects anywhere. */
  @ParameterizedTest
  @MethodSource("badSettings")
  void runRefusesABadSettingByName(Map<String, String> env, String start) throws Exception {
    Result r = inProcess(List.of("run"), env);
    assertTrue(r.err.startsWith("hostops run: " + start) && r.err.indexOf('\n') == r.err.length() - 1, r.err);
    assertEquals(2, r.exit);
  }

  @Test
  void helpIsNotAMistake() throws Exception {
    Result r = inProcess(List.of("help"), Map.of());
    assertEquals(0, r.exit);
    assertTrue(r.out.startsWith("usage: hostops run"), r.out);
    assertEquals("", r.err);
  }

  /** As a real process: the same single line, and no logging or JVM noise around it. */
  @ParameterizedTest
  @MethodSource("asProcess")
  void asAProcess(List<String> args, String manifest, String line) throws Exception {
    Path file = Files.createTempFile(dir, "process", ".yaml");
    if (manifest != null) {
      Files.writeString(file, manifest);
    }
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    args.forEach(a -> command.add(a.replace("@FILE@", file.toString())));
    Process p = new ProcessBuilder(command).start();
    p.getOutputStream().close();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "hostops did not exit");
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertEquals(line.replace("@FILE@", file.toString()) + "\n", err);
    assertEquals("", out);
    assertEquals(2, p.exitValue());
  }

  static Stream<Arguments> asProcess() {
    return mistakes().filter(a -> {
      String line = (String) a.get()[2];
      return line.startsWith("hostops: unknown command") || line.startsWith("hostops render: @FILE@: not valid YAML")
          || line.contains("unknown field (known here: address") || line.contains("kind Deployment")
          || line.startsWith("hostops render: @NOFILE@") || line.startsWith("Host default/vm1: spec.address");
    }).map(a -> Arguments.of(((List<?>) a.get()[0]).stream().map(x -> ((String) x).replace("@NOFILE@", "@FILE@.missing"))
        .toList(), a.get()[1], ((String) a.get()[2]).replace("@NOFILE@", "@FILE@.missing")));
  }

  private record Result(int exit, String out, String err) { }

  private static Result inProcess(List<String> args, Map<String, String> env) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = Main.execute(args, env, new PrintStream(out, true, StandardCharsets.UTF_8),
        new PrintStream(err, true, StandardCharsets.UTF_8));
    String e = err.toString(StandardCharsets.UTF_8);
    assertFalse(e.contains("Exception") || e.contains("\tat "), "no stack trace: " + e);
    return new Result(exit, out.toString(StandardCharsets.UTF_8), e);
  }
}
