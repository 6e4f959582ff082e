package dev.hostops.testhosts;

import com.fasterxml.jackson.databind.JsonNode;
import dev.hostops.host.ExecResult;
import dev.hostops.host.SshTarget;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

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

  /** The machine stops answering (frozen, like a hung VM): TCP connects time out at SSH level. */
  public void freeze() {
    TestHosts.exec(List.of("docker", "pause", name));
  }

  public void thaw() {
    TestHosts.exec(List.of("docker", "unpause", name));
  }

  /**
   * A registry the host reaches at 127.0.0.1:5999 through a proxy that sends at most {@code bytesPerSecond}
   * (0: as fast as it can; -1: stop it) back to the host: a slow download, with real Docker pulling through it.
   * Docker pulls from a registry on 127.0.0.1 over plain HTTP without being told to.
   */
  public void slowRegistry(int bytesPerSecond) {
    sh("systemctl stop slowreg 2>/dev/null; systemctl reset-failed slowreg 2>/dev/null");
    if (bytesPerSecond < 0) {
      return;
    }
    shOk("cat > /root/slowreg.py <<'PY'\n"
        + "import socket, sys, threading, time\n"
        + "port, up_host, up_port, rate = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), int(sys.argv[4])\n"
        + "def pipe(src, dst, rate):\n"
        + "    try:\n"
        + "        while True:\n"
        + "            b = src.recv(max(1, rate // 10) if rate else 65536)\n"
        + "            if not b:\n"
        + "                break\n"
        + "            dst.sendall(b)\n"
        + "            if rate:\n"
        + "                time.sleep(len(b) / rate)\n"
        + "    except OSError:\n"
        + "        pass\n"
        + "    for s in (src, dst):\n"
        + "        try:\n"
        + "            s.shutdown(socket.SHUT_RDWR)\n"
        + "        except OSError:\n"
        + "            pass\n"
        + "def serve(c):\n"
        + "    u = socket.create_connection((up_host, up_port))\n"
        + "    threading.Thread(target=pipe, args=(c, u, 0), daemon=True).start()\n"
        + "    pipe(u, c, rate)\n"
        + "srv = socket.socket()\n"
        + "srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        + "srv.bind(('127.0.0.1', port))\n"
        + "srv.listen(16)\n"
        + "while True:\n"
        + "    c, _ = srv.accept()\n"
        + "    threading.Thread(target=serve, args=(c,), daemon=True).start()\n"
        + "PY");
    String[] upstream = registry.split(":");
    shOk("systemd-run --quiet --unit slowreg python3 /root/slowreg.py 5999 " + upstream[0] + " " + upstream[1]
        + " " + bytesPerSecond);
    shOk("for i in $(seq 50); do python3 -c \"import socket; socket.create_connection(('127.0.0.1', 5999))\" "
        + "2>/dev/null && exit 0; sleep 0.1; done; exit 1");
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
    admin.secrets().inNamespace(namespace).resource(new io.fabric8.kubernetes.api.model.SecretBuilder()
        .withNewMetadata().withName(name + "-key").withNamespace(namespace).endMetadata()
        .addToStringData("ssh-privatekey", privateKey()).build()).create();
    dev.hostops.api.Host host = new dev.hostops.api.Host();
    host.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName(name).withNamespace(namespace)
        .build());
    host.setSpec(new dev.hostops.api.HostSpec());
    host.getSpec().address = address();
    host.getSpec().port = port();
    host.getSpec().sshKeySecretRef = new dev.hostops.api.SecretKeyRef(name + "-key", "ssh-privatekey");
    host.getSpec().knownHosts = knownHosts();
    return admin.resource(host).create();
  }
}
