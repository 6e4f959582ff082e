package dev.hostops.testhosts;

import dev.hostops.ssh.ExecResult;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A host certificate authority as a person makes one: an ed25519 key pair made by the machine's own
 * {@code ssh-keygen}, which also signs the hosts' keys ({@code ssh-keygen -s CA -h -n … -V …}).
 */
public final class HostCa {
  private final Path dir;
  private final Path key;
  private int serial;

  private HostCa(Path dir) {
    this.dir = dir;
    this.key = dir.resolve("ca");
  }

  /** A new CA whose files live in a fresh temp folder. */
  public static HostCa create(String name) {
    try {
      HostCa ca = new HostCa(Files.createTempDirectory("hostops-ca-" + name));
      run(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", name, "-f", ca.key.toString()));
      return ca;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The CA's public key, "ssh-ed25519 AAAA…". */
  public String publicKey() {
    try {
      String[] w = Files.readString(dir.resolve("ca.pub")).strip().split(" ");
      return w[0] + " " + w[1];
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The known_hosts line that trusts this CA for hosts matching {@code patterns}. */
  public String trustLine(String patterns) {
    return "@cert-authority " + patterns + " " + publicKey();
  }

  /**
   * Signs {@code publicKey} ("ssh-ed25519 AAAA…") with {@code ssh-keygen -s}: {@code options} are
   * ssh-keygen's own (-h for a host certificate, -n PRINCIPALS, -V INTERVAL, -O …). Returns the
   * certificate line (what ssh-keygen writes to KEY-cert.pub).
   */
  public String sign(String publicKey, String... options) {
    try {
      Path pub = Files.createTempFile(dir, "host", ".pub");
      Files.writeString(pub, publicKey + "\n");
      List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-s", key.toString(), "-I", "test-" + ++serial,
          "-z", Integer.toString(serial)));
      cmd.addAll(List.of(options));
      cmd.add(pub.toString());
      run(cmd);
      String name = pub.getFileName().toString();
      return Files.readString(dir.resolve(name.substring(0, name.length() - 4) + "-cert.pub")).strip();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void run(List<String> cmd) {
    ExecResult r = TestHosts.exec(cmd);
    if (!r.ok()) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed: " + r.stderr());
    }
  }
}
