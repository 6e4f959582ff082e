package dev.hostops.host;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * The host program: what runs on every host, kept as POSIX sh files under {@code resources/host/} (linted
 * by shellcheck in the build) and joined in this order. Installed once per host under its SHA-256
 * ({@code /var/lib/hostops/program/SHA.sh}); each job then sends only its manifest.
 */
public final class HostProgram {
  /** The parts, joined in this order: the library, one file per job, the entry. */
  static final List<String> PARTS = List.of("lib.sh", "facts.sh", "probe.sh", "apply.sh", "remove.sh",
      "logagent.sh", "inspect.sh", "pull.sh", "audit.sh", "main.sh");
  private static final byte[] PROGRAM = join();
  private static final String SHA256 = sha256(PROGRAM);

  /** The jobs of the program (main.sh). */
  public enum Job {
    FACTS, PROBE, APPLY, REMOVE, LOGAGENT, INSPECT, PULL;

    String word() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private HostProgram() {}

  /** The program as it is installed on a host. */
  public static byte[] bytes() {
    return PROGRAM.clone();
  }

  public static String sha256() {
    return SHA256;
  }

  /** A fixed file of the program folder, without its comment lines (they are sent on every command). */
  static String command(String part) {
    return read(part).lines().filter(l -> !l.stripLeading().startsWith("#")).collect(Collectors.joining("\n"));
  }

  private static byte[] join() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PARTS.forEach(p -> out.writeBytes(read(p).getBytes(StandardCharsets.UTF_8)));
    return out.toByteArray();
  }

  static String read(String part) {
    try (InputStream in = HostProgram.class.getResourceAsStream("/host/" + part)) {
      if (in == null) {
        throw new IllegalStateException("host program part missing from the build: " + part);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
