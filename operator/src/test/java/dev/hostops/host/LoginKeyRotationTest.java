package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.ssh.HostException;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.KeyNotAuthorizedException;
import dev.hostops.ssh.LoginKey;
import dev.hostops.ssh.SshTarget;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rotating hostops' own login key on a real sshd, as root and as a sudo user: the new public key added to
 * authorized_keys (the rest of the file kept byte for byte), a fresh login with it proven, then the old one
 * removed; stopped after each step (as a killed operator stops) and finished by a new run with whichever key
 * still works; never locked out.
 */
class LoginKeyRotationTest {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final Duration TIMEOUT = Duration.ofSeconds(10);
  /** Someone else's keys and an options line, a comment, no newline at the end: all must survive. */
  private static final String OTHERS = "# team keys\n"
      + "from=\"10.0.0.0/8\",no-pty ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKqLqBq3K+2Wv7tQ5Z6Lh0m8jJ2qHhJm8bq0X2f1ZrNb ops@laptop\n"
      + "\n"
      + "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJ1n5jHq0r1p0x1vB8vY0d0JcQZ0xGZ5W4m3o0mH2rJq backup";
  private static TestHost host;
  private static String oldKey;
  private static String newKey;

  @BeforeAll
  static void boot() throws Exception {
    host = HOSTS.boot("rot1");
    oldKey = host.privateKey();
    newKey = generateKey();
  }

  @AfterEach
  void noHook() {
    LoginKeyRotation.afterStep = step -> { };
  }

  static String generateKey() {
    return dev.hostops.testhosts.SshKeys.generate();
  }

  private static String file(String user) {
    return "root".equals(user) ? "/root/.ssh/authorized_keys" : "/home/" + user + "/.ssh/authorized_keys";
  }

  /** authorized_keys as a person left it: other keys, then hostops' current key (the test key). */
  private static void reset(String user) {
    String key = LoginKey.authorizedKey(oldKey);
    host.shOk("f=" + file(user) + "; printf '%s\\n%s' '" + OTHERS.replace("'", "'\\''") + "' '" + key + " hostops-test' > $f"
        + " && chmod 600 $f && chown " + user + ": $f");
  }

  private static SshTarget as(String user, String key) {
    return new SshTarget(host.address(), host.port(), user, key, host.knownHosts());
  }

  private static boolean logsIn(String user, String key) throws HostUnreachableException {
    HostConnection c = LoginKeyRotation.tryLogin(as(user, key), TIMEOUT);
    if (c != null) {
      c.close();
    }
    return c != null;
  }

  private static void assertRotated(String user) throws Exception {
    assertTrue(logsIn(user, newKey), "the new key logs in");
    assertTrue(!logsIn(user, oldKey), "the old key no longer does");
    String after = host.shOk("cat " + file(user));
    assertEquals(OTHERS + "\n" + LoginKey.authorizedKey(newKey) + " hostops", after,
        "other lines kept byte for byte, the old key gone, the new one added");
    assertEquals("600 " + user, host.shOk("stat -c '%a %U' " + file(user)));
    assertEquals("", host.shOk("ls " + file(user) + ".hostops-tmp 2>/dev/null || true"), "no temp file left");
  }

  @ParameterizedTest
  @ValueSource(strings = {"root", "ubuntu"})
  void rotatesAndNeverLocksItselfOut(String user) throws Exception {
    reset(user);
    LoginKeyRotation.Outcome o = LoginKeyRotation.rotate(as(user, newKey), as(user, oldKey), LoginKey.authorizedKey(oldKey),
        null, TIMEOUT);
    assertEquals(LoginKey.fingerprint(newKey), o.fingerprint());
    assertTrue(o.message().contains(LoginKey.fingerprint(oldKey) + " → " + LoginKey.fingerprint(newKey)), o.message());
    assertRotated(user);
    reset(user);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 3})
  void stoppedAfterEachStepTheNextRunFinishes(int step) throws Exception {
    String user = step == 2 ? "ubuntu" : "root";
    reset(user);
    LoginKeyRotation.afterStep = s -> {
      if (s == step) {
        throw new IllegalStateException("killed after step " + s);
      }
    };
    assertThrows(IllegalStateException.class, () -> LoginKeyRotation.rotate(as(user, newKey), as(user, oldKey),
        LoginKey.authorizedKey(oldKey), null, TIMEOUT));
    LoginKeyRotation.afterStep = s -> { };
    // at every step at least one key logs in
    assertTrue(logsIn(user, newKey) || logsIn(user, oldKey));
    LoginKeyRotation.rotate(as(user, newKey), as(user, oldKey), LoginKey.authorizedKey(oldKey), null, TIMEOUT);
    assertRotated(user);
    reset(user);
  }

  @Test
  void aKeyRotatedInPlaceInItsSecretUsesTheConnectionStillOpen() throws Exception {
    reset("root");
    try (HostConnection open = HostConnection.open(as("root", oldKey), TIMEOUT)) {
      LoginKeyRotation.rotate(as("root", newKey), null, LoginKey.authorizedKey(oldKey), new LoginKeyRotation.LiveConnection() {
        @Override
        public <T> T with(HostSessions.Work<T> work) throws HostException {
          return work.run(open);
        }
      }, TIMEOUT);
    }
    assertRotated("root");
    reset("root");
  }

  @Test
  void whenNeitherKeyWorksTheMessageNamesBothFingerprints() throws Exception {
    reset("root");
    String stranger = generateKey();
    KeyNotAuthorizedException e = assertThrows(KeyNotAuthorizedException.class, () -> LoginKeyRotation.rotate(
        as("root", newKey), as("root", stranger), LoginKey.authorizedKey(stranger), null, TIMEOUT));
    assertTrue(e.getMessage().startsWith("neither the login key " + LoginKey.fingerprint(newKey)
        + " (spec.sshKeySecretRef) nor the one before it " + LoginKey.fingerprint(stranger) + " logs in as root"), e.getMessage());
    assertEquals(OTHERS + "\n" + LoginKey.authorizedKey(oldKey) + " hostops-test", host.shOk("cat " + file("root")),
        "nothing changed on the host");
    assertNotNull(LoginKeyRotation.tryLogin(as("root", oldKey), TIMEOUT));
    assertNull(LoginKeyRotation.tryLogin(as("root", newKey), TIMEOUT));
  }
}
