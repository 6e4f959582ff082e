package dev.hostops.host;

import java.io.IOException;
import java.io.StringReader;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

/**
 * Pinned host keys from OpenSSH known_hosts lines. sshj's parser throws an unchecked exception on
 * a malformed line, so every line is checked here first and a problem is reported with its line
 * number (never the key material).
 */
public final class KnownHosts {
  private static final List<String> KEY_TYPES = List.of(
      "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
      "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");

  private KnownHosts() {}

  /** Problems with the given known_hosts text, empty when it is usable. */
  public static List<String> problems(String text) {
    List<String> problems = new ArrayList<>();
    int entries = 0;
    String[] lines = text == null ? new String[0] : text.split("\n");
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\\s+");
      int first = parts[0].startsWith("@") ? 1 : 0;
      if (first == 1 && !parts[0].equals("@cert-authority") && !parts[0].equals("@revoked")) {
        problems.add("line " + (i + 1) + ": unknown marker " + parts[0]);
        continue;
      }
      if (parts.length < first + 3) {
        problems.add("line " + (i + 1) + ": expected 'HOSTS KEYTYPE BASE64KEY'");
        continue;
      }
      if (!KEY_TYPES.contains(parts[first + 1])) {
        problems.add("line " + (i + 1) + ": unsupported key type " + parts[first + 1]);
        continue;
      }
      try {
        Base64.getDecoder().decode(parts[first + 2]);
      } catch (IllegalArgumentException e) {
        problems.add("line " + (i + 1) + ": key is not valid base64");
        continue;
      }
      entries++;
    }
    if (problems.isEmpty() && entries == 0) {
      problems.add("no host key given: pin at least one (ssh-keyscan -p PORT ADDRESS)");
    }
    return problems;
  }

  /** A strict sshj verifier for the given lines; call {@link #problems} first. */
  static OpenSSHKnownHosts verifier(String text) throws IOException {
    List<String> problems = problems(text);
    if (!problems.isEmpty()) {
      throw new IOException("knownHosts: " + String.join("; ", problems));
    }
    try {
      return new OpenSSHKnownHosts(new StringReader(text)) {
        @Override
        protected boolean hostKeyUnverifiableAction(String hostname, java.security.PublicKey key) {
          return false;
        }

        @Override
        protected boolean hostKeyChangedAction(String hostname, java.security.PublicKey key) {
          return false;
        }
      };
    } catch (IllegalArgumentException e) {
      throw new IOException("knownHosts: a line could not be parsed", null);
    }
  }
}
