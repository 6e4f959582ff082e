package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostKeyMismatchException;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.SshTarget;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves the test hosts are real, using sshj the way the operator does: strict host keys, a unit
 * in the runbook's shape run by systemd, a container pulled from the local registry.
 */
class TestHostSmokeTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static TestHost host;

  @BeforeAll
  static void boot() {
    host = HOSTS.boot("smoke");
  }

  @Test
  void connectsWithPinnedHostKeyAndSeesSystemdAndDocker() throws Exception {
    try (HostConnection c = HostConnection.open(host.root(), TIMEOUT)) {
      ExecResult r = c.run("systemctl is-system-running; systemctl is-active docker ssh; id -u\n", TIMEOUT);
      assertEquals("running\nactive\nactive\n0\n", r.stdout());
      String expected = host.shOk("ssh-keygen -l -E sha256 -f /etc/ssh/ssh_host_ed25519_key.pub | awk '{print $2}'");
      assertEquals(expected, c.hostKeyFingerprint());
    }
  }

  @Test
  void refusesAHostWhoseKeyIsNotThePinnedOne() throws Exception {
    String otherKey = host.shOk("ssh-keygen -q -t ed25519 -N '' -f /tmp/other && cut -d' ' -f1,2 /tmp/other.pub");
    String wrongPin = "[" + host.address() + "]:" + host.port() + " " + otherKey;
    SshTarget target = new SshTarget(host.address(), host.port(), "root", host.privateKey(), wrongPin);
    HostKeyMismatchException e = assertThrows(HostKeyMismatchException.class,
        () -> HostConnection.open(target, TIMEOUT));
    assertTrue(e.getMessage().contains("not among the pinned"), e.getMessage());
    assertTrue(e.presentedFingerprint().startsWith("SHA256:"));
  }

  @Test
  void refusesMalformedKnownHostsWithAClearMessage() {
    SshTarget target = new SshTarget(host.address(), host.port(), "root", host.privateKey(), "not a key line");
    HostUnreachableException e = assertThrows(HostUnreachableException.class,
        () -> HostConnection.open(target, TIMEOUT));
    assertTrue(e.getMessage().startsWith("knownHosts: line 1"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {"root", "ubuntu"})
  void runsAUnitInTheRunbooksShape(String user) throws Exception {
    String name = "demo-" + user;
    String image = host.image("hostops/demo:v1");
    String unit = """
        [Unit]
        Description=%1$s
        Requires=docker.service
        After=docker.service

        [Service]
        ExecStartPre=/usr/bin/docker pull %2$s
        ExecStartPre=-/usr/bin/docker stop %1$s
        ExecStartPre=-/usr/bin/docker rm %1$s
        ExecStart=/usr/bin/docker run --name %1$s -e LOG_NAME=%1$s -v /root/var/logs:/var/logs %2$s
        ExecStop=/usr/bin/docker stop %1$s

        [Install]
        WantedBy=multi-user.target
        """.formatted(name, image);
    SshTarget target = user.equals("root") ? host.root() : host.ubuntu();
    try (HostConnection c = HostConnection.open(target, TIMEOUT)) {
      ExecResult r = c.run("set -e\ncat > /etc/systemd/system/" + name + ".service <<'UNIT'\n" + unit
          + "UNIT\nsystemctl daemon-reload\nsystemctl enable --now " + name + ".service\n", TIMEOUT);
      assertEquals(0, r.exitCode(), r.stderr());
    }

    assertEquals("active", host.shOk("systemctl is-active " + name));
    assertEquals("enabled", host.shOk("systemctl is-enabled " + name));
    String running = awaitOutput("docker inspect -f '{{.State.Running}} {{.Image}}' " + name, "true ");
    String imageId = host.shOk("docker image inspect -f '{{.Id}} {{index .RepoDigests 0}}' " + image);
    assertEquals(imageId.split(" ")[0], running.split(" ")[1], "container runs the pulled image");
    assertEquals(image.replaceAll(":v1$", "") + "@" + registryDigest("hostops/demo", "v1"), imageId.split(" ")[1],
        "the pulled image is the one just pushed to the registry");
    String log = awaitOutput("cat /root/var/logs/" + name + ".log 2>/dev/null", "hello");
    assertTrue(log.contains("hello"), log);

    try (HostConnection c = HostConnection.open(target, TIMEOUT)) {
      ExecResult r = c.run("set -e\nsystemctl disable --now " + name + ".service\nrm /etc/systemd/system/"
          + name + ".service\nsystemctl daemon-reload\n", TIMEOUT);
      assertEquals(0, r.exitCode(), r.stderr());
    }
    assertEquals("inactive", host.sh("systemctl is-active " + name).stdout().strip());
    assertFalse(host.sh("test -e /etc/systemd/system/" + name + ".service").ok(), "unit file removed");
    assertEquals("", host.shOk("docker ps -q --filter name=^" + name + "$"), "container stopped");
  }

  private static String awaitOutput(String command, String expectedPrefixOrPart) throws InterruptedException {
    String last = "";
    for (int i = 0; i < 60; i++) {
      last = host.sh(command).stdout().strip();
      if (last.startsWith(expectedPrefixOrPart) || last.contains(expectedPrefixOrPart)) {
        return last;
      }
      Thread.sleep(250);
    }
    throw new AssertionError("`" + command + "` never showed '" + expectedPrefixOrPart + "', last: " + last);
  }

  private static String registryDigest(String repo, String tag) throws Exception {
    HttpResponse<Void> r = HttpClient.newHttpClient().send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:5000/v2/" + repo + "/manifests/" + tag))
            .method("HEAD", HttpRequest.BodyPublishers.noBody())
            .header("Accept", "application/vnd.docker.distribution.manifest.v2+json")
            .build(),
        HttpResponse.BodyHandlers.discarding());
    return r.headers().firstValue("Docker-Content-Digest").orElseThrow();
  }
}
