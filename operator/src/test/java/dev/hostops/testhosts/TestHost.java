package dev.hostops.testhosts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.SshTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A running test host: a Debian container booted with systemd, sshd and its own Docker engine.
 * Tests reach it over SSH like the operator does; {@link #sh} is the "console" a person would use
 * to check the result, and goes through {@code docker exec}, not through the code under test.
 */
public final class TestHost {
  private final String name;
  private final String address;
  private final int port;
  private final String knownHosts;
  private final String privateKey;
  private final String registry;

  TestHost(JsonNode facts) {
    this.name = facts.get("name").asText();
    this.address = facts.get("address").asText();
    this.port = facts.get("port").asInt();
    this.knownHosts = facts.get("knownHosts").asText();
    this.registry = facts.get("registry").asText();
    try {
      this.privateKey = Files.readString(Path.of(facts.get("privateKeyFile").asText()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String name() {
    return name;
  }

  public String address() {
    return address;
  }

  public int port() {
    return port;
  }

  /** The host's own key, as a known_hosts line for [address]:port. */
  public String knownHosts() {
    return knownHosts;
  }

  public String privateKey() {
    return privateKey;
  }

  /** host:port of the local registry as this host's Docker engine reaches it. */
  public String registry() {
    return registry;
  }

  /** An image reference in the local registry, e.g. {@code image("hostops/demo:v1")}. */
  public String image(String repoAndTag) {
    return registry + "/" + repoAndTag;
  }

  public SshTarget root() {
    return new SshTarget(address, port, "root", privateKey, knownHosts);
  }

  /** The Ubuntu-style user with passwordless sudo. */
  public SshTarget ubuntu() {
    return new SshTarget(address, port, "ubuntu", privateKey, knownHosts);
  }

  /** Root on this host reached through {@code bastion} (logged in there as root with the same test key). */
  public SshTarget behind(TestHost bastion) {
    return root().via(bastion.root());
  }

  /** {@code user} reaching this host through a proxy listening on 127.0.0.1:{@code port}; same host key. */
  public SshTarget through(int port, String user) {
    String key = knownHosts.substring(knownHosts.indexOf(' ') + 1);
    return new SshTarget(address, port, user, privateKey, "[" + address + "]:" + port + " " + key);
  }

  /** Runs a command as root on the host's console (docker exec), for checks and for making drift. */
  public ExecResult sh(String command) {
    return TestHosts.exec(List.of("docker", "exec", name, "sh", "-c", command));
  }

  /** Like {@link #sh} but fails the test when the command fails; returns trimmed stdout. */
  public String shOk(String command) {
    ExecResult r = sh(command);
    if (!r.ok()) {
      throw new AssertionError("on " + name + ": `" + command + "` exited " + r.exitCode() + ": " + r.stderr());
    }
    return r.stdout().strip();
  }

  /** Re-provisions the host's SSH identity: new host keys, sshd restarted, open sessions dropped. */
  public void regenerateHostKeys() {
    shOk("rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl restart ssh && (pkill -f '^sshd: [a-z]' || true)");
  }

  /** The host's ed25519 key as sshd has it, "ssh-ed25519 AAAA…". */
  public String hostPublicKey() {
    return shOk("cut -d' ' -f1,2 /etc/ssh/ssh_host_ed25519_key.pub");
  }

  /**
   * sshd presents {@code certificate} (a KEY-cert.pub line, public data) as its host certificate from now on:
   * written beside the host key, named by {@code HostCertificate} in a drop-in, sshd reloaded. Null: no
   * certificate any more.
   */
  public void presentHostCertificate(String certificate) {
    if (certificate == null) {
      shOk("rm -f /etc/ssh/sshd_config.d/hostops-cert.conf /etc/ssh/ssh_host_ed25519_key-cert.pub && systemctl reload ssh"
          + " && " + keyscanUntil("ssh-keyscan -t ed25519 127.0.0.1 2>/dev/null | grep -q ssh-ed25519"
          + " && ! ssh-keyscan -c -t ed25519 127.0.0.1 2>/dev/null | grep -q cert-v01"));
      return;
    }
    String b64 = java.util.Base64.getEncoder().encodeToString(certificate.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    shOk("echo " + b64 + " | base64 -d > /etc/ssh/ssh_host_ed25519_key-cert.pub"
        + " && echo 'HostCertificate /etc/ssh/ssh_host_ed25519_key-cert.pub' > /etc/ssh/sshd_config.d/hostops-cert.conf"
        + " && sshd -t && systemctl reload ssh && " + keyscanUntil("ssh-keyscan -c -t ed25519 127.0.0.1 2>/dev/null | grep -qF "
        + certificate.split(" ")[1]));
  }

  /** Waits (10 s at most) until what the listening sshd offers passes {@code test} (a reload re-executes sshd). */
  private static String keyscanUntil(String test) {
    return "for i in $(seq 100); do " + test + " && exit 0; sleep 0.1; done;"
        + " echo 'sshd did not take the certificate change' >&2; exit 1";
  }

  /** The machine stops answering (frozen, like a hung VM): TCP connects time out at SSH level. */
  public void freeze() {
    TestHosts.exec(List.of("docker", "pause", name));
  }

  public void thaw() {
    TestHosts.exec(List.of("docker", "unpause", name));
  }

  /** Puts this host's SSH port behind a Toxiproxy proxy with {@code profile}; connect through its port. */
  public NetworkLink behind(NetworkLink.Profile profile) {
    return NetworkLink.ssh(name, profile, 17);
  }

  /** Like {@link #behind(NetworkLink.Profile)}, with the seed of the {@code flaky} profile's schedule. */
  public NetworkLink behind(NetworkLink.Profile profile, long seed) {
    return NetworkLink.ssh(name, profile, seed);
  }

  /**
   * The local registry as this host's Docker reaches it through a proxy that sends at most {@code kbPerSecond}
   * KB/s to the host, each chunk 1.5 s late (0: as fast as it can): a slow download, with real Docker pulling
   * through it. Returns the registry's host:port (the same for every call on this host).
   */
  public String registryLink(int kbPerSecond) {
    ExecResult r = TestHosts.exec(List.of(TestHosts.script(), "registry-link", name, Integer.toString(kbPerSecond)));
    if (!r.ok()) {
      throw new IllegalStateException("testhosts registry-link " + name + " failed: " + r.stderr());
    }
    return r.stdout().strip();
  }

  @Override
  public String toString() {
    return name + "@" + address + ":" + port;
  }

  /**
   * Registers this host as a user would: its SSH key as the Secret {@code NAME-key} and a Host
   * {@code NAME} pinned to its host key, created through the given (administrator's) client.
   */
  public dev.hostops.api.Host register(io.fabric8.kubernetes.client.KubernetesClient admin, String namespace,
                                       String name) {
    return register(admin, namespace, name, address(), port(), knownHosts());
  }

  private dev.hostops.api.Host register(io.fabric8.kubernetes.client.KubernetesClient admin, String namespace,
                                        String name, String address, int port, String knownHosts) {
    admin.secrets().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName(name + "-key").withNamespace(namespace).endMetadata()
        .addToStringData("ssh-privatekey", privateKey()).build()).create();
    dev.hostops.api.Host host = new dev.hostops.api.Host();
    host.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(namespace)
        .build());
    host.setSpec(new dev.hostops.api.HostSpec());
    host.getSpec().address = address;
    host.getSpec().port = port;
    host.getSpec().sshKeySecretRef = new dev.hostops.api.SecretKeyRef(name + "-key", "ssh-privatekey");
    host.getSpec().knownHosts = knownHosts;
    return admin.resource(host).create();
  }

  /** The host's address on the machine's Docker bridge (docker0), where port 22 answers. */
  public String bridgeAddress() {
    ExecResult r = TestHosts.exec(List.of("docker", "inspect", "-f", "{{.NetworkSettings.IPAddress}}", name));
    if (r.exitCode() != 0 || r.stdout().isBlank()) {
      throw new IllegalStateException("no bridge address for " + name + ": " + r.stderr());
    }
    return r.stdout().strip();
  }

  /**
   * As {@link #register}, but addressed as pods of the one-node cluster reach it (a VM's address as seen from
   * a cluster): its address on the Docker bridge, port 22, its host key pinned for that address. The machine
   * routes the pods' bridge to Docker's, where Docker lets port 22 of a host through.
   */
  public dev.hostops.api.Host registerForPods(io.fabric8.kubernetes.client.KubernetesClient admin, String namespace,
                                              String name) {
    String ip = bridgeAddress();
    return register(admin, namespace, name, ip, 22, ip + " " + hostPublicKey());
  }

  /** path → sha256 of each of the service's files on the host, read on its console (one docker exec); "absent" when missing. */
  public Map<String, String> fileHashes(dev.hostops.render.RenderedService r) {
    StringBuilder paths = new StringBuilder();
    r.files().forEach(f -> paths.append(' ').append(f.path()));
    List<String> sums = shOk("for p in" + paths + "; do { sha256sum < $p 2>/dev/null || echo absent; } | cut -c1-64;"
        + " done").lines().toList();
    Map<String, String> out = new LinkedHashMap<>();
    for (int i = 0; i < r.files().size(); i++) {
      out.put(r.files().get(i).path(), sums.get(i));
    }
    return out;
  }

  /** path → sha256 of each file as rendered: what {@link #fileHashes} reads once the service is applied. */
  public static Map<String, String> renderedHashes(dev.hostops.render.RenderedService r) {
    Map<String, String> out = new LinkedHashMap<>();
    r.files().forEach(f -> out.put(f.path(), f.sha256()));
    return out;
  }
}
