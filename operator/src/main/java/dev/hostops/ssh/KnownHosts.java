package dev.hostops.ssh;

import java.io.IOException;
import java.io.StringReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

/**
 * Pinned host keys from OpenSSH known_hosts lines. sshj's parser throws an unchecked exception on
 * some malformed lines and silently ignores others (a key whose bytes do not match its type), so
 * every line is checked here first and a problem is reported with its line number (never the key
 * material).
 */
public final class KnownHosts {
  private static final List<String> KEY_TYPES = List.of(
      "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
      "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com");
  private static final Pattern HASHED = Pattern.compile("\\|1\\|([A-Za-z0-9+/]+=*)\\|([A-Za-z0-9+/]+=*)");
  /** Host patterns as OpenSSH writes them: names, addresses, [host]:port, wildcards, negation. */
  private static final Pattern HOST_PATTERN = Pattern.compile("!?(\\[[A-Za-z0-9.:*?_-]+\\]:[0-9]{1,5}|[A-Za-z0-9.:*?_-]+)");

  private KnownHosts() {}

  /** Problems with the given known_hosts text, empty when it is usable. */
  public static List<String> problems(String text) {
    return problems(text, null, 22);
  }

  /**
   * Problems with the given known_hosts text, and, when {@code address} is given, whether any
   * line pins a key for that address and port (as sshj looks it up: {@code [address]:port} unless
   * the port is 22).
   */
  public static List<String> problems(String text, String address, int port) {
    // every reconcile of every service on a host validates its Host: parsing a key (a curve point) costs
    // more than the rest of an idle reconcile, so texts seen lately are answered from memory
    String id = port + " " + address + "\n" + text;
    List<String> known = CHECKED.get(id);
    if (known == null) {
      known = List.copyOf(check(text, address, port));
      CHECKED.put(id, known);
    }
    return known;
  }

  /** Answers of {@link #problems} lately given, by (port, address, text): public keys, nothing secret. */
  private static final Map<String, List<String>> CHECKED = Collections.synchronizedMap(
      new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<String>> eldest) {
          return size() > 4096;
        }
      });

  private static List<String> check(String text, String address, int port) {
    List<String> problems = new ArrayList<>();
    int pins = 0;
    boolean forAddress = false;
    String[] lines = text == null ? new String[0] : text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String at = "line " + (i + 1) + ": ";
      String line = lines[i].strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.chars().anyMatch(c -> c < 0x20 && c != '\t' || c == 0x7f)) {
        problems.add(at + "contains a control character");
        continue;
      }
      String[] parts = line.split("[ \t]+");
      int first = parts[0].startsWith("@") ? 1 : 0;
      if (first == 1 && !parts[0].equals("@cert-authority") && !parts[0].equals("@revoked")) {
        problems.add(at + "unknown marker " + parts[0] + " (only @cert-authority, @revoked)");
        continue;
      }
      if (parts.length < first + 3) {
        problems.add(at + "expected '" + (first == 1 ? parts[0] + " " : "") + "HOSTS KEYTYPE BASE64KEY'");
        continue;
      }
      String hostProblem = hosts(parts[first]);
      if (hostProblem != null) {
        problems.add(at + hostProblem);
        continue;
      }
      String type = parts[first + 1];
      boolean revoked = first == 1 && parts[0].equals("@revoked");
      // a certificate may be revoked (compared with the one presented), never trusted by its own line
      boolean revokedCertificate = revoked && type.endsWith("-cert-v01@openssh.com")
          && KEY_TYPES.contains(type.replace("-cert-v01@openssh.com", ""));
      if (type.endsWith("-cert-v01@openssh.com") && !revokedCertificate) {
        problems.add(at + "a certificate, not a key: pin the public key of the CA that signed it on an"
            + " @cert-authority line (@cert-authority PATTERNS " + printable(type.replace("-cert-v01@openssh.com", ""))
            + " AAAA…)");
        continue;
      }
      if (!KEY_TYPES.contains(type) && !revokedCertificate) {
        problems.add(at + "unsupported key type " + printable(type));
        continue;
      }
      byte[] blob;
      try {
        blob = Base64.getDecoder().decode(parts[first + 2]);
      } catch (IllegalArgumentException e) {
        problems.add(at + "key is not valid base64");
        continue;
      }
      if (!type.equals(blobType(blob))) {
        problems.add(at + "the key is not a " + type + " key");
        continue;
      }
      OpenSSHKnownHosts.KnownHostEntry entry;
      try {
        List<OpenSSHKnownHosts.KnownHostEntry> entries = new OpenSSHKnownHosts(new StringReader(line)).entries();
        entry = entries.size() == 1 ? entries.get(0) : null;
      } catch (IOException | RuntimeException e) {
        entry = null;
      }
      if (entry == null || entry instanceof OpenSSHKnownHosts.BadHostEntry) {
        problems.add(at + "hostops' SSH client cannot use this " + type + " key");
        continue;
      }
      if (first == 1 && parts[0].equals("@revoked")) {
        continue;
      }
      pins++;
      if (address != null && !forAddress) {
        try {
          forAddress = entry.appliesTo(port == 22 ? address : "[" + address + "]:" + port);
        } catch (IOException | RuntimeException e) {
          problems.add(at + "its host names cannot be matched");
        }
      }
    }
    if (problems.isEmpty() && pins == 0) {
      problems.add("no host key given: pin at least one (ssh-keyscan -p PORT ADDRESS)");
    } else if (problems.isEmpty() && address != null && !forAddress) {
      problems.add("no line is for " + (port == 22 ? address : "[" + address + "]:" + port)
          + " (ssh-keyscan -p " + port + " " + address + " prints the line to pin)");
    }
    return problems;
  }

  /** Null when the host field (comma-separated patterns, or one hashed name) is well formed. */
  private static String hosts(String field) {
    if (field.startsWith("|")) {
      var m = HASHED.matcher(field);
      try {
        if (m.matches() && Base64.getDecoder().decode(m.group(1)).length == 20
            && Base64.getDecoder().decode(m.group(2)).length == 20) {
          return null;
        }
      } catch (IllegalArgumentException e) {
        // not base64: said below
      }
      return "a hashed host name must be |1|SALT|HASH (20 bytes each, base64), as ssh-keygen -H writes it";
    }
    for (String p : field.split(",", -1)) {
      if (!HOST_PATTERN.matcher(p).matches()) {
        return "host pattern '" + printable(p) + "' is not a name, address or [address]:port";
      }
    }
    return null;
  }

  /** The key type named inside an SSH public key blob (uint32 length, then the name), or null. */
  private static String blobType(byte[] blob) {
    if (blob.length < 4) {
      return null;
    }
    int length = ByteBuffer.wrap(blob, 0, 4).getInt();
    if (length <= 0 || length > 64 || blob.length < 4 + length) {
      return null;
    }
    return new String(blob, 4, length, StandardCharsets.US_ASCII);
  }

  private static String printable(String value) {
    String v = value.length() > 60 ? value.substring(0, 60) + "…" : value;
    return v.replaceAll("[^\\x20-\\x7e]", "?");
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
        protected boolean hostKeyUnverifiableAction(String hostname, PublicKey key) {
          return false;
        }

        @Override
        protected boolean hostKeyChangedAction(String hostname, PublicKey key) {
          return false;
        }
      };
    } catch (IllegalArgumentException e) {
      throw new IOException("knownHosts: a line could not be parsed", null);
    }
  }
}
