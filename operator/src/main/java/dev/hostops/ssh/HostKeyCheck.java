package dev.hostops.ssh;

import com.hierynomus.sshj.userauth.certificate.Certificate;
import java.security.PublicKey;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import net.schmizz.sshj.common.Buffer;
import net.schmizz.sshj.common.KeyType;
import net.schmizz.sshj.transport.verification.HostKeyVerifier;
import net.schmizz.sshj.transport.verification.OpenSSHKnownHosts;

/**
 * The host key check, as OpenSSH makes it, over the pinned {@code knownHosts} lines: a plain key must be
 * pinned on a line for the host; a host certificate must be signed by a CA on an {@code @cert-authority}
 * line whose patterns match the host, be a host (not user) certificate, name the connecting name among
 * its principals, be inside its validity window now, and carry no critical option (OpenSSH defines none
 * for host certificates); {@code @revoked} refuses a key, a certificate or a CA key. What sshj 0.40 checks
 * by itself is not enough (it does not look at the certificate type, critical options or {@code @revoked}
 * when another line matches, and accepts a CA key presented as a plain host key), and its refusals are
 * exception texts, so sshj's own certificate check is turned off and this class does all of it, before
 * authentication, keeping the reason in a person's words ({@link #refusal()}).
 */
final class HostKeyCheck implements HostKeyVerifier {
  /** SSH_CERT_TYPE_HOST in PROTOCOL.certkeys. */
  private static final long HOST_CERT = 2;
  private static final DateTimeFormatter WHEN =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT).withZone(ZoneOffset.UTC);

  private record Line(String marker, OpenSSHKnownHosts.HostEntry entry, PublicKey key, String blob, String hosts) {}

  private final OpenSSHKnownHosts algorithms;
  private final List<Line> lines = new ArrayList<>();
  private volatile String presented;
  private volatile String refusal;
  private volatile String reason;

  /** @param knownHosts lines already checked by {@link KnownHosts#problems} */
  HostKeyCheck(String knownHosts, OpenSSHKnownHosts algorithms) {
    this.algorithms = algorithms;
    for (String raw : knownHosts.split("\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("[ \t]+");
      int first = parts[0].startsWith("@") ? 1 : 0;
      try {
        byte[] bytes = Base64.getDecoder().decode(parts[first + 2]);
        PublicKey key = new Buffer.PlainBuffer(bytes).readPublicKey();
        lines.add(new Line(first == 1 ? parts[0] : null,
            new OpenSSHKnownHosts.HostEntry(null, parts[first], KeyType.fromKey(key), key),
            key, blob(key), parts[first]));
      } catch (Exception e) {
        // KnownHosts.problems refused such a line before; never quote its content
        throw new IllegalArgumentException("knownHosts: a line could not be parsed", null);
      }
    }
  }

  /** SHA-256 fingerprint of the host key presented (a certificate's own key), or null before one was. */
  String presented() {
    return presented;
  }

  /** Why the presented key was refused, in a person's words; null when it was accepted or none was presented. */
  String refusal() {
    return refusal;
  }

  /** HostKeyMismatch, HostKeyRevoked or HostCertificateRefused; null when nothing was refused. */
  String reason() {
    return reason;
  }

  @Override
  public boolean verify(String hostname, int port, PublicKey key) {
    String name = port == 22 ? hostname.toLowerCase(Locale.ROOT) : "[" + hostname.toLowerCase(Locale.ROOT) + "]:" + port;
    String at = hostname + ":" + port;
    Certificate<?> cert = key instanceof Certificate<?> c ? c : null;
    PublicKey own = cert == null ? key : cert.getKey();
    presented = SshConnection.fingerprint(own);
    PublicKey ca = null;
    if (cert != null) {
      try {
        ca = new Buffer.PlainBuffer(cert.getSignatureKey()).readPublicKey();
      } catch (Exception e) {
        return refuse("HostCertificateRefused", "the host certificate presented by " + at
            + " names a CA key hostops cannot read; refusing to connect");
      }
    }
    for (Line l : lines) {
      if (!"@revoked".equals(l.marker) || !applies(l, name)) {
        continue;
      }
      String what = l.blob.equals(blob(own)) ? "host key " + presented
          : cert != null && l.blob.equals(blob(key)) ? "host certificate of key " + presented
          : ca != null && l.blob.equals(blob(ca)) ? "CA " + SshConnection.fingerprint(ca) + " that signed the host certificate"
          : null;
      if (what != null) {
        return refuse("HostKeyRevoked", "the " + what + " presented by " + at
            + " is revoked (an @revoked line in knownHosts); refusing to connect");
      }
    }
    if (cert == null) {
      for (Line l : lines) {
        if (l.marker == null && applies(l, name) && l.blob.equals(blob(key))) {
          return accept();
        }
      }
      return refuse("HostKeyMismatch", "host key " + presented + " presented by " + at
          + " is not among the pinned knownHosts; refusing to connect");
    }
    return certificate(cert, ca, hostname, name, at);
  }

  private boolean certificate(Certificate<?> cert, PublicKey ca, String hostname, String name, String at) {
    String prefix = "host certificate of " + at + " (key " + presented + ") refused: ";
    if (cert.getType() != HOST_CERT) {
      return refuse("HostCertificateRefused", prefix + "it is a user certificate, not a host certificate");
    }
    String caBlob = blob(ca);
    String caPrint = SshConnection.fingerprint(ca);
    boolean trusted = false;
    String trustedElsewhere = null;
    for (Line l : lines) {
      if ("@cert-authority".equals(l.marker) && l.blob.equals(caBlob)) {
        if (applies(l, name)) {
          trusted = true;
        } else if (trustedElsewhere == null) {
          trustedElsewhere = l.hosts;
        }
      }
    }
    if (!trusted) {
      // as OpenSSH: no CA vouches for it here, so the certificate's own key may still be pinned plainly
      for (Line l : lines) {
        if (l.marker == null && applies(l, name) && l.blob.equals(blob(cert.getKey()))) {
          return accept();
        }
      }
      return refuse("HostCertificateRefused", prefix + (trustedElsewhere == null
          ? "signed by a CA not in knownHosts (CA " + caPrint + ")"
          : "signed by CA " + caPrint + ", which knownHosts trusts only for hosts " + trustedElsewhere + ", not " + name));
    }
    String signature;
    try {
      byte[] raw = new Buffer.PlainBuffer().putPublicKey(cert).getCompactData();
      // principals and validity are checked below, in our words; here only the CA's signature counts
      signature = KeyType.CertUtils.verifyHostCertificate(raw, withoutLimits(cert), hostname);
    } catch (Exception e) {
      signature = "unreadable";
    }
    if (signature != null) {
      return refuse("HostCertificateRefused", prefix + "its signature by CA " + caPrint + " does not verify");
    }
    if (cert.getCritOptions() != null && !cert.getCritOptions().isEmpty()) {
      return refuse("HostCertificateRefused", prefix + "it carries the critical option "
          + printable(String.join(", ", cert.getCritOptions().keySet())) + ", which hostops does not know");
    }
    List<String> principals = cert.getValidPrincipals() == null ? List.of() : cert.getValidPrincipals();
    if (principals.isEmpty()) {
      return refuse("HostCertificateRefused", prefix + "it names no principal; hostops wants " + hostname + " among them");
    }
    if (principals.stream().noneMatch(p -> KeyType.CertUtils.matchPattern(hostname.toLowerCase(Locale.ROOT), p))) {
      return refuse("HostCertificateRefused", prefix + "principal " + hostname + " not in the certificate (it names "
          + printable(String.join(", ", principals)) + ")");
    }
    Instant now = Instant.now();
    if (cert.getValidAfter() != null && now.isBefore(cert.getValidAfter().toInstant())) {
      return refuse("HostCertificateRefused", prefix + "certificate not valid before "
          + WHEN.format(cert.getValidAfter().toInstant()) + " (now " + WHEN.format(now) + ")");
    }
    if (cert.getValidBefore() != null && !now.isBefore(cert.getValidBefore().toInstant())) {
      return refuse("HostCertificateRefused", prefix + "certificate expired " + WHEN.format(cert.getValidBefore().toInstant())
          + " (now " + WHEN.format(now) + ")");
    }
    return accept();
  }

  /** The same certificate with no principals and no validity limits, so sshj's check is of the signature alone. */
  private static Certificate<?> withoutLimits(Certificate<?> cert) {
    Certificate.Builder<PublicKey> b = Certificate.getBuilder();
    return b.nonce(cert.getNonce()).publicKey(cert.getKey()).serial(cert.getSerial()).type(cert.getType())
        .id(cert.getId()).validPrincipals(List.of()).validAfter(null).validBefore(null)
        .critOptions(cert.getCritOptions()).extensions(cert.getExtensions()).signatureKey(cert.getSignatureKey())
        .signature(cert.getSignature()).build();
  }

  private boolean accept() {
    refusal = null;
    reason = null;
    return true;
  }

  private boolean refuse(String why, String message) {
    reason = why;
    refusal = message;
    return false;
  }

  private static boolean applies(Line l, String name) {
    try {
      return l.entry.appliesTo(name);
    } catch (Exception e) {
      return false;
    }
  }

  private static String blob(PublicKey key) {
    return Arrays.toString(new Buffer.PlainBuffer().putPublicKey(key).getCompactData());
  }

  private static String printable(String value) {
    String v = value.length() > 120 ? value.substring(0, 120) + "…" : value;
    return v.replaceAll("[^\\x20-\\x7e]", "?");
  }

  @Override
  public List<String> findExistingAlgorithms(String hostname, int port) {
    return algorithms.findExistingAlgorithms(hostname, port);
  }
}
