package dev.hostops.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.ssh.ExecResult;
import dev.hostops.testhosts.Registry;
import dev.hostops.testhosts.TestHosts;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Digest lookups against the real local registries: the plain one, and the htpasswd one of
 * `testhosts auth-registry` (right, wrong, missing and rotated credentials); a registry that is down; what is
 * kept for an interval. No message carries a credential.
 */
class TagLookupTest {
  private static final String GATEWAY = "172.17.0.1";
  private final TagLookup lookup = new TagLookup(Set.of(GATEWAY), Clock.systemUTC());

  @Test
  void aTagsDigestIsTheOneDockerRecordsAndIsAskedOncePerInterval() {
    String digest = Registry.push("hostops/demo:v2", "hostops/tl:latest");
    TagLookup.Answer a = lookup.digest(GATEWAY + ":5000/hostops/tl:latest", null, Duration.ofMinutes(5));
    assertEquals(digest, a.digest(), a.problem());
    lookup.digest(GATEWAY + ":5000/hostops/tl:latest", null, Duration.ofMinutes(5));
    assertEquals(1, lookup.requests(), "a second service with the same image is answered from what is kept");
    // the tag moves: a lookup older than its interval asks again and sees it
    String moved = Registry.push("hostops/demo:v1", "hostops/tl:latest");
    assertEquals(digest, lookup.digest(GATEWAY + ":5000/hostops/tl:latest", null, Duration.ofMinutes(5)).digest());
    assertEquals(moved, lookup.digest(GATEWAY + ":5000/hostops/tl:latest", null, Duration.ZERO).digest());
    assertEquals(2, lookup.requests());
  }

  @Test
  void aRegistryThatIsDownOrNotTrustedIsNamedInItsOwnWords() {
    TagLookup.Answer down = lookup.digest(GATEWAY + ":5999/hostops/demo:v1", null, Duration.ZERO);
    assertNull(down.digest());
    assertTrue(down.problem().startsWith("looking up " + GATEWAY + ":5999/hostops/demo:v1: "), down.problem());
    assertTrue(down.problem().toLowerCase().contains("refused"), down.problem());
    // plain HTTP only where it is allowed, as Docker's insecure-registries
    TagLookup strict = new TagLookup(Set.of(), Clock.systemUTC());
    TagLookup.Answer https = strict.digest(GATEWAY + ":5000/hostops/demo:v1", null, Duration.ZERO);
    assertNull(https.digest(), "no plain HTTP unless allowed");
  }

  @Test
  void privateRegistryCredentialsAreUsedAndARotatedOneAtTheNextLookup() {
    String first = "lookup-" + Long.toHexString(System.nanoTime());
    authRegistry("puller", first);
    String image = GATEWAY + ":5001/hostops/private:v1";
    TagLookup.Answer ok = lookup.digest(image, config("puller", first), Duration.ofMinutes(5));
    assertTrue(ok.found(), ok.problem());
    assertTrue(ok.digest().startsWith("sha256:"));

    TagLookup.Answer none = lookup.digest(image, null, Duration.ofMinutes(5));
    assertFalse(none.found());
    assertTrue(none.problem().contains("no credentials for " + GATEWAY + ":5001"), none.problem());

    // the password is rotated on the registry: the old one is refused, and the problem never quotes it
    String second = "rotated-" + Long.toHexString(System.nanoTime());
    authRegistry("puller", second);
    TagLookup.Answer refused = lookup.digest(image, config("puller", first), Duration.ZERO);
    assertFalse(refused.found());
    assertTrue(refused.problem().contains("refused the credentials"), refused.problem());
    assertFalse(refused.problem().contains(first), refused.problem());
    // the Secret is updated: its new content is a new key, asked at once (not after the interval)
    TagLookup.Answer rotated = lookup.digest(image, config("puller", second), Duration.ofMinutes(5));
    assertEquals(ok.digest(), rotated.digest(), rotated.problem());
  }

  private static byte[] config(String user, String password) {
    String auth = Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    return ("{\"auths\":{\"" + GATEWAY + ":5001\":{\"auth\":\"" + auth + "\"}}}").getBytes(StandardCharsets.UTF_8);
  }

  private static void authRegistry(String user, String password) {
    ExecResult r = TestHosts.exec(List.of(TestHosts.script(), "auth-registry", user, password));
    if (!r.ok()) {
      throw new IllegalStateException("testhosts auth-registry failed: " + r.stderr());
    }
  }
}
