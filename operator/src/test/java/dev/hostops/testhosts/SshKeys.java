package dev.hostops.testhosts;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Login keys as a person makes them: ssh-keygen on this machine. */
public final class SshKeys {
  private SshKeys() {}

  /** A new ed25519 private key (OpenSSH format, no passphrase). */
  public static String generate() {
    try {
      Path dir = Files.createTempDirectory("hostops-login");
      TestHosts.exec(List.of("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "login", "-f", dir.resolve("k").toString()));
      return Files.readString(dir.resolve("k"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
