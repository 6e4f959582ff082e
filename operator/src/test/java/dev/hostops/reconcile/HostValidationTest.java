package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.Host;
import dev.hostops.api.HostSpec;
import dev.hostops.api.ProxyJumpSpec;
import dev.hostops.api.SecretKeyRef;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every field of a Host that reaches the SSH client or the API server, against hostile and
 * malformed values: refused with the field named, or accepted as the SSH client takes it.
 */
class HostValidationTest {
  static final String ED25519 = "AAAAC3NzaC1lZDI1NTE5AAAAIPF34DzFB4liSZZb/Ies84+g1h9h2wJI567sulrun3CP";

  static Host host(String address, int port, String user, String knownHosts) {
    Host h = new Host();
    h.setMetadata(new ObjectMetaBuilder().withName("vm1").withNamespace("prod").build());
    h.setSpec(new HostSpec());
    h.getSpec().address = address;
    h.getSpec().port = port;
    h.getSpec().user = user;
    h.getSpec().sshKeySecretRef = new SecretKeyRef("vm-ssh", "ssh-privatekey");
    h.getSpec().knownHosts = knownHosts;
    return h;
  }

  static Host valid() {
    return host("203.0.113.10", 22, "root", "203.0.113.10 ssh-ed25519 " + ED25519);
  }

  static Arguments refused(String expectedStart, Consumer<Host> change) {
    return Arguments.of(expectedStart, change);
  }

  /** Sets the address and pins the key for it, so only the address is in question. */
  static Consumer<Host> address(String a) {
    return h -> {
      h.getSpec().address = a;
      h.getSpec().knownHosts = "* ssh-ed25519 " + ED25519;
    };
  }

  /** A valid bastion, then the given change to it. */
  static Consumer<Host> jump(Consumer<ProxyJumpSpec> change) {
    return h -> {
      ProxyJumpSpec j = new ProxyJumpSpec();
      j.address = "bastion.example";
      j.sshKeySecretRef = new SecretKeyRef("bastion-ssh", "ssh-privatekey");
      j.knownHosts = "bastion.example ssh-ed25519 " + ED25519;
      change.accept(j);
      h.getSpec().proxyJump = j;
    };
  }

  static Consumer<Host> knownHosts(String text) {
    return h -> h.getSpec().knownHosts = text;
  }

  static Stream<Arguments> refusedValues() {
    return Stream.of(
        refused("spec.address: required", address(null)),
        refused("spec.address: required", address("")),
        refused("spec.address: 'vm1 vm2' is not a DNS name or IP address", address("vm1 vm2")),
        refused("spec.address: 'vm1;reboot' is not a DNS name or IP address", address("vm1;reboot")),
        refused("spec.address: 'vm1$(touch /tmp/pwned)' is not", address("vm1$(touch /tmp/pwned)")),
        refused("spec.address: '`id`' is not", address("`id`")),
        refused("spec.address: 'vm1\\x0aProxyCommand touch /tmp/pwned' is not", address("vm1\nProxyCommand touch /tmp/pwned")),
        refused("spec.address: '-oProxyCommand=touch /tmp/pwned' is not", address("-oProxyCommand=touch /tmp/pwned")),
        refused("spec.address: '-vm1' is not", address("-vm1")),
        refused("spec.address: 'vm1-' is not", address("vm1-")),
        refused("spec.address: 'root@vm1' is not", address("root@vm1")),
        refused("spec.address: 'vm1:2222' is not a DNS name or IP address (the port goes in spec.port)", address("vm1:2222")),
        refused("spec.address: 'ssh://vm1' is not", address("ssh://vm1")),
        refused("spec.address: 'vm1..example.com' is not", address("vm1..example.com")),
        refused("spec.address: '.vm1' is not", address(".vm1")),
        refused("spec.address: 'vm_1' is not", address("vm_1")),
        refused("spec.address: '" + "a".repeat(64) + ".example.com' is not", address("a".repeat(64) + ".example.com")),
        refused("spec.address: '256.1.1.1' is not an IPv4 address", address("256.1.1.1")),
        refused("spec.address: '10.0.0.01' is not an IPv4 address", address("10.0.0.01")),
        refused("spec.address: '[2001:db8::1]' is not a DNS name or IP address (write an IPv6 address without brackets)",
            address("[2001:db8::1]")),
        refused("spec.address: '2001:db8::1::2' is not an IPv6 address", address("2001:db8::1::2")),
        refused("spec.address: '1:2:3:4:5:6:7:8:9' is not an IPv6 address", address("1:2:3:4:5:6:7:8:9")),
        refused("spec.address: '12345::1' is not an IPv6 address", address("12345::1")),
        refused("spec.address: 'fe80::1%eth0' is not", address("fe80::1%eth0")),
        refused("spec.address: '::ffff:1.2.3.256' is not an IPv6 address", address("::ffff:1.2.3.256")),
        refused("spec.port: -1 is not a TCP port", h -> h.getSpec().port = -1),
        refused("spec.port: 65536 is not a TCP port", h -> h.getSpec().port = 65536),
        refused("spec.user: 'root;reboot' is not a login name", h -> h.getSpec().user = "root;reboot"),
        refused("spec.user: '-oProxyCommand=touch /tmp/pwned' is not", h -> h.getSpec().user = "-oProxyCommand=touch /tmp/pwned"),
        refused("spec.user: '$(touch /tmp/pwned)' is not", h -> h.getSpec().user = "$(touch /tmp/pwned)"),
        refused("spec.user: 'root\\x0a' is not", h -> h.getSpec().user = "root\n"),
        refused("spec.user: 'ro ot' is not", h -> h.getSpec().user = "ro ot"),
        refused("spec.user: 'Admin' is not", h -> h.getSpec().user = "Admin"),
        refused("spec.user: '' is not", h -> h.getSpec().user = ""),
        refused("spec.user: '" + "a".repeat(33) + "' is not", h -> h.getSpec().user = "a".repeat(33)),
        refused("spec.sshKeySecretRef.name: required", h -> h.getSpec().sshKeySecretRef = null),
        refused("spec.sshKeySecretRef.name: '../../configmaps/x' is not the name of a Secret",
            h -> h.getSpec().sshKeySecretRef.name = "../../configmaps/x"),
        refused("spec.sshKeySecretRef.name: 'Key' is not", h -> h.getSpec().sshKeySecretRef.name = "Key"),
        refused("spec.sshKeySecretRef.key: 'a/b' is not a Secret key", h -> h.getSpec().sshKeySecretRef.key = "a/b"),
        refused("spec.sshKeySecretRef.key: 'a b' is not", h -> h.getSpec().sshKeySecretRef.key = "a b"),
        refused("spec.knownHosts: required", knownHosts(null)),
        refused("spec.knownHosts: required", knownHosts("\n  \n")),
        refused("spec.knownHosts: no host key given", knownHosts("# only a comment\n")),
        refused("spec.knownHosts: line 1: expected 'HOSTS KEYTYPE BASE64KEY'", knownHosts("203.0.113.10 ssh-ed25519")),
        refused("spec.knownHosts: line 1: expected", knownHosts("ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: line 1: unsupported key type ssh-dss", knownHosts("203.0.113.10 ssh-dss " + ED25519)),
        refused("spec.knownHosts: line 1: key is not valid base64", knownHosts("203.0.113.10 ssh-ed25519 not*base64")),
        refused("spec.knownHosts: line 1: the key is not a ssh-rsa key", knownHosts("203.0.113.10 ssh-rsa " + ED25519)),
        refused("spec.knownHosts: line 1: the key is not a ssh-ed25519 key",
            knownHosts("203.0.113.10 ssh-ed25519 " + Base64.getEncoder().encodeToString("hello".getBytes()))),
        refused("spec.knownHosts: line 1: the key is not a ssh-ed25519 key",
            knownHosts("203.0.113.10 ssh-ed25519 AAAA")),
        refused("spec.knownHosts: line 1: unknown marker @trusted", knownHosts("@trusted 203.0.113.10 ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: line 1: a hashed host name must be |1|SALT|HASH",
            knownHosts("|1|notbase64|x ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: line 1: a hashed host name must be", knownHosts("|2|aGVsbG8=|aGVsbG8= ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: line 1: host pattern 'vm1;reboot' is not",
            knownHosts("vm1;reboot,203.0.113.10 ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: line 1: host pattern '' is not", knownHosts(",203.0.113.10 ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: line 2: contains a control character",
            knownHosts("203.0.113.10 ssh-ed25519 " + ED25519 + "\n203.0.113.10 ssh-ed25519 " + ED25519 + "\u0000")),
        refused("spec.knownHosts: line 1: contains a control character",
            knownHosts("203.0.113.10 ssh-ed25519 " + ED25519 + "\u000b* ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: no line is for 203.0.113.10 (ssh-keyscan -p 22 203.0.113.10",
            knownHosts("203.0.113.11 ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: no line is for [203.0.113.10]:2222",
            h -> h.getSpec().port = 2222),
        refused("spec.knownHosts: no line is for 203.0.113.10", knownHosts("@revoked 203.0.113.10 ssh-ed25519 " + ED25519
            + "\n203.0.113.11 ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: no host key given", knownHosts("@revoked 203.0.113.10 ssh-ed25519 " + ED25519)),
        // host CAs (issue 19): a malformed @cert-authority line, a certificate where a key belongs
        refused("spec.knownHosts: line 1: expected '@cert-authority HOSTS KEYTYPE BASE64KEY'",
            knownHosts("@cert-authority ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: line 1: host pattern '*.example.com;id' is not",
            knownHosts("@cert-authority *.example.com;id ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: line 1: the key is not a ssh-ed25519 key",
            knownHosts("@cert-authority * ssh-ed25519 AAAA")),
        refused("spec.knownHosts: line 1: unknown marker @cert-authorities",
            knownHosts("@cert-authorities * ssh-ed25519 " + ED25519)),
        refused("spec.knownHosts: line 1: a certificate, not a key: pin the public key of the CA that signed it on an"
            + " @cert-authority line", knownHosts("@cert-authority * ssh-ed25519-cert-v01@openssh.com " + ED25519)),
        refused("spec.knownHosts: line 1: a certificate, not a key", knownHosts("203.0.113.10 ssh-ed25519-cert-v01@openssh.com "
            + ED25519)),
        refused("spec.knownHosts: line 2: the key is not a ssh-ed25519-cert-v01@openssh.com key", knownHosts("* ssh-ed25519 "
            + ED25519 + "\n@revoked * ssh-ed25519-cert-v01@openssh.com " + ED25519)),
        refused("spec.knownHosts: no line is for 203.0.113.10", knownHosts(hashed("203.0.113.11") + " ssh-ed25519 " + ED25519)),
        // the bastion's fields: the same checks, named under spec.proxyJump
        refused("spec.proxyJump.address: required", jump(j -> j.address = null)),
        refused("spec.proxyJump.address: '-oProxyCommand=touch /tmp/pwned' is not a DNS name or IP address",
            jump(j -> j.address = "-oProxyCommand=touch /tmp/pwned")),
        refused("spec.proxyJump.address: 'bastion:2222' is not a DNS name or IP address (the port goes in spec.port)",
            jump(j -> j.address = "bastion:2222")),
        refused("spec.proxyJump.port: 65536 is not a TCP port", jump(j -> j.port = 65536)),
        refused("spec.proxyJump.user: 'jump;id' is not a login name", jump(j -> j.user = "jump;id")),
        refused("spec.proxyJump.sshKeySecretRef.name: required", jump(j -> j.sshKeySecretRef = null)),
        refused("spec.proxyJump.sshKeySecretRef.name: '../x' is not the name of a Secret",
            jump(j -> j.sshKeySecretRef.name = "../x")),
        refused("spec.proxyJump.sshKeySecretRef.key: 'a/b' is not a Secret key", jump(j -> j.sshKeySecretRef.key = "a/b")),
        refused("spec.proxyJump.knownHosts: required: pin the bastion's key", jump(j -> j.knownHosts = " ")),
        refused("spec.proxyJump.knownHosts: line 1: unsupported key type ssh-dss",
            jump(j -> j.knownHosts = "bastion.example ssh-dss " + ED25519)),
        refused("spec.proxyJump.knownHosts: no line is for [bastion.example]:2222",
            jump(j -> j.port = 2222)),
        refused("spec.proxyJump.knownHosts: no line is for bastion.example",
            jump(j -> j.knownHosts = "203.0.113.10 ssh-ed25519 " + ED25519)),
        refused("metadata.labels.env: 'prod; reboot' is not a label value",
            h -> h.getMetadata().setLabels(Map.of("env", "prod; reboot"))),
        refused("metadata.labels.env: 'a\\x0ab' is not a label value", h -> h.getMetadata().setLabels(Map.of("env", "a\nb"))),
        refused("metadata.labels: 'a b' is not a label name", h -> h.getMetadata().setLabels(Map.of("a b", "x"))));
  }

  @ParameterizedTest
  @MethodSource("refusedValues")
  void refusedWithTheFieldNamed(String expectedStart, Consumer<Host> change) {
    Host h = valid();
    change.accept(h);
    List<String> problems = HostValidation.problems(h);
    assertEquals(1, problems.size(), problems.toString());
    assertTrue(problems.get(0).startsWith(expectedStart), problems.get(0));
  }

  static Stream<Arguments> acceptedValues() {
    return Stream.of(
        Arguments.of("DNS name", address("vm1.example.com")),
        Arguments.of("single label", address("vm1")),
        Arguments.of("digits first", address("1password-vm.example.com")),
        Arguments.of("63-character label", address("a".repeat(63) + ".example.com")),
        Arguments.of("IPv4", address("192.0.2.1")),
        Arguments.of("IPv6 short", address("2001:db8::1")),
        Arguments.of("IPv6 loopback", address("::1")),
        Arguments.of("IPv6 full", address("2001:0db8:0000:0000:0000:ff00:0042:8329")),
        Arguments.of("IPv6 with IPv4 tail", address("::ffff:192.0.2.1")),
        Arguments.of("IPv6 trailing gap", address("fe80::")),
        Arguments.of("port 2222 pinned as [address]:port", (Consumer<Host>) h -> {
          h.getSpec().port = 2222;
          h.getSpec().knownHosts = "[203.0.113.10]:2222 ssh-ed25519 " + ED25519;
        }),
        Arguments.of("user with sudo", (Consumer<Host>) h -> h.getSpec().user = "ubuntu"),
        Arguments.of("user with _ and -", (Consumer<Host>) h -> h.getSpec().user = "_deploy-1"),
        Arguments.of("comments, blank lines, CRLF, tabs, several keys, a trailing comment",
            knownHosts("# pinned 2026-11-25\r\n\r\n203.0.113.11 ssh-ed25519 " + ED25519 + "\r\n"
                + "vm1,203.0.113.10\tssh-ed25519\t" + ED25519 + " root@vm1\r\n")),
        Arguments.of("hashed (ssh-keygen -H)", knownHosts(hashed("203.0.113.10") + " ssh-ed25519 " + ED25519)),
        Arguments.of("wildcard", knownHosts("203.0.113.* ssh-ed25519 " + ED25519)),
        Arguments.of("negation and a revoked key beside a pinned one", knownHosts(
            "!203.0.113.11,203.0.113.* ssh-ed25519 " + ED25519 + "\n@revoked * ssh-ed25519 " + ED25519)),
        Arguments.of("@cert-authority", knownHosts("@cert-authority 203.0.113.10 ssh-ed25519 " + ED25519)),
        Arguments.of("a bastion on port 2222 as a user without sudo", jump(j -> {
          j.port = 2222;
          j.user = "jump";
          j.knownHosts = "[bastion.example]:2222 ssh-ed25519 " + ED25519;
        })),
        Arguments.of("a host behind a bastion, by a name only the bastion resolves", (Consumer<Host>) h -> {
          jump(j -> { }).accept(h);
          h.getSpec().address = "vm1.internal";
          h.getSpec().knownHosts = "vm1.internal ssh-ed25519 " + ED25519;
        }),
        Arguments.of("labels", (Consumer<Host>) h -> h.getMetadata().setLabels(Map.of("env", "prod",
            "hostops.dev/rack", "r-1_a.b", "empty", ""))));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("acceptedValues")
  void accepted(String what, Consumer<Host> change) {
    Host h = valid();
    change.accept(h);
    assertEquals(List.of(), HostValidation.problems(h));
  }

  /** A known_hosts host field as ssh-keygen -H writes it: |1|base64(salt)|base64(HMAC-SHA1(salt, host)). */
  static String hashed(String host) {
    try {
      byte[] salt = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);
      Mac mac = Mac.getInstance("HmacSHA1");
      mac.init(new SecretKeySpec(salt, "HmacSHA1"));
      byte[] hash = mac.doFinal(host.getBytes(StandardCharsets.US_ASCII));
      return "|1|" + Base64.getEncoder().encodeToString(salt) + "|" + Base64.getEncoder().encodeToString(hash);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }
}
