package dev.hostops.ssh;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.PublicKey;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import net.schmizz.sshj.SSHClient;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.userauth.keyprovider.KeyProvider;

/**
 * hostops' own login key, as a key Secret holds it: read here before anything is sent to a host, so a
 * Secret holding a public key, a passphrase-protected key or garbage is one clear message, and never
 * quoted (the parsers' exception texts may hold key material).
 */
public final class LoginKey {
  private LoginKey() {}

  /** Why the text is not a usable OpenSSH (or PEM) private key, in words; null when it is one. */
  public static String problem(String text) {
    if (text == null || text.isBlank()) {
      return "is empty";
    }
    String t = text.strip();
    if (t.startsWith("ssh-") || t.startsWith("ecdsa-") || t.startsWith("sk-")) {
      return "holds a public key; hostops needs the private key (the file without .pub)";
    }
    if (!t.startsWith("-----BEGIN ")) {
      return "is not an OpenSSH private key (no -----BEGIN … PRIVATE KEY----- line)";
    }
    if (t.contains("ENCRYPTED") || t.contains("Proc-Type: 4,ENCRYPTED")) {
      return "is protected by a passphrase; hostops needs a key without one";
    }
    try {
      publicKey(text);
      return null;
    } catch (Exception e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c.getClass().getSimpleName().startsWith("KeyDecryptionFailed")) {
          return "is protected by a passphrase; hostops needs a key without one";
        }
      }
      return "is not a private key hostops can read (" + e.getClass().getSimpleName() + ")";
    }
  }

  /** SHA256:… of the public half of the private key. */
  public static String fingerprint(String privateKey) {
    try {
      return SshConnection.fingerprint(publicKey(privateKey));
    } catch (Exception e) {
      throw new IllegalArgumentException("the SSH private key cannot be read", null);
    }
  }

  /** The public half as an authorized_keys line's first two words (type and base64). */
  public static String authorizedKey(String privateKey) {
    try {
      PublicKey pub = publicKey(privateKey);
      byte[] blob = new Buffer.PlainBuffer().putPublicKey(pub).getCompactData();
      return KeyType.fromKey(pub) + " " + Base64.getEncoder().encodeToString(blob);
    } catch (Exception e) {
      throw new IllegalArgumentException("the SSH private key cannot be read", null);
    }
  }

  /**
   * Public halves of the keys read lately, by the SHA-256 of the key text (never the text): every reconcile
   * checks its Host's key, and reading one costs an SSH client.
   */
  private static final Map<String, PublicKey> READ = Collections.synchronizedMap(
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, PublicKey> eldest) {
          return size() > 256;
        }
      });

  private static PublicKey publicKey(String text) throws Exception {
    String id = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    PublicKey known = READ.get(id);
    if (known != null) {
      return known;
    }
    PublicKey read = read(text);
    READ.put(id, read);
    return read;
  }

  private static PublicKey read(String text) throws Exception {
    try (SSHClient client = new SSHClient()) {
      KeyProvider key = client.loadKeys(text, null, null);
      key.getPrivate();
      return key.getPublic();
    }
  }
}
