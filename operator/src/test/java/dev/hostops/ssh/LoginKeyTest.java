package dev.hostops.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.hostops.testhosts.TestHosts;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A key Secret's content read as hostops reads it, against keys made by ssh-keygen. */
class LoginKeyTest {
  @TempDir Path dir;

  private Path keygen(String name, String... options) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ssh-keygen", "-q", "-C", "t", "-f", dir.resolve(name).toString()));
    cmd.addAll(List.of(options));
    assertEquals(0, TestHosts.exec(cmd).exitCode());
    return dir.resolve(name);
  }

  @Test
  void aPrivateKeyIsReadAndItsFingerprintIsTheOneSshKeygenShows() throws Exception {
    for (String type : List.of("ed25519", "ecdsa", "rsa")) {
      Path k = keygen(type, "-t", type, "-N", "");
      String text = Files.readString(k);
      assertNull(LoginKey.problem(text), type);
      String shown = TestHosts.exec(List.of("ssh-keygen", "-l", "-E", "sha256", "-f", k + ".pub")).stdout().split(" ")[1];
      assertEquals(shown, LoginKey.fingerprint(text), type);
      assertEquals(Files.readString(Path.of(k + ".pub")).split(" ")[1], LoginKey.authorizedKey(text).split(" ")[1], type);
    }
    Path pem = keygen("pem", "-t", "rsa", "-N", "", "-m", "PEM");
    assertNull(LoginKey.problem(Files.readString(pem)));
  }

  @Test
  void whatIsNotAUsablePrivateKeyIsSaidInWords() throws Exception {
    Path k = keygen("k", "-t", "ed25519", "-N", "");
    assertEquals("holds a public key; hostops needs the private key (the file without .pub)",
        LoginKey.problem(Files.readString(Path.of(k + ".pub"))));
    assertEquals("is not an OpenSSH private key (no -----BEGIN … PRIVATE KEY----- line)", LoginKey.problem("hello\n"));
    assertEquals("is empty", LoginKey.problem(" \n"));
    String text = Files.readString(k);
    String cut = text.substring(0, text.length() / 2) + "\n-----END OPENSSH PRIVATE KEY-----\n";
    assertEquals("is not a private key hostops can read", LoginKey.problem(cut).replaceAll(" \\(.*", ""));
    Path locked = keygen("locked", "-t", "ed25519", "-N", "a passphrase");
    assertEquals("is protected by a passphrase; hostops needs a key without one", LoginKey.problem(Files.readString(locked)));
    Path lockedPem = keygen("lockedpem", "-t", "rsa", "-N", "a passphrase", "-m", "PEM");
    assertEquals("is protected by a passphrase; hostops needs a key without one", LoginKey.problem(Files.readString(lockedPem)));
  }
}
