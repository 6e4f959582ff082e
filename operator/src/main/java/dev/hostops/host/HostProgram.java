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
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * The host program: what runs on every host, kept as POSIX sh files under {@code resources/host/} (linted
 * by shellcheck in the build) and joined in this order. Installed once per host under its SHA-256
 * ({@code /var/lib/hostops/program/SHA.sh}); each job then sends only its manifest.
 */
public final class HostProgram {
  /** The parts, joined in this order: the protocol, the library, one file per job, the entry. */
  static final List<String> PARTS = List.of("protocol.sh", "lib.sh", "facts.sh", "probe.sh", "apply.sh", "remove.sh",
      "logagent.sh", "inspect.sh", "pull.sh", "loginkey.sh", "audit.sh", "main.sh");
  private static final byte[] PROGRAM = join();
  private static final String SHA256 = sha256(PROGRAM);

  /** The jobs of the program (main.sh). */
  public enum Job {
    FACTS, PROBE, APPLY, REMOVE, LOGAGENT, INSPECT, PULL, LOGINKEY;

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

  /**
   * A fixed command of the program folder (runner.sh, bootstrap.sh), without its comment lines (they are sent
   * on every command). It runs before the program is on the host, so it cannot source protocol.sh: the
   * definitions of protocol.sh it uses (its names, and store_verified with the names that uses) are sent
   * before it, and only those (the bootstrap goes with every job until the session of jobs is up).
   */
  static String command(String part) {
    String body = uncommented(read(part));
    List<String> protocol = uncommented(read("protocol.sh")).lines().toList();
    StringBuilder functions = new StringBuilder();
    for (int i = 0; i < protocol.size(); i++) {
      Matcher f = FUNCTION.matcher(protocol.get(i));
      if (f.matches()) {
        int end = protocol.subList(i, protocol.size()).indexOf("}") + i;
        if (Pattern.compile("(^|\\s)" + Pattern.quote(f.group(1)) + "\\s", Pattern.MULTILINE).matcher(body).find()) {
          protocol.subList(i, end + 1).forEach(l -> functions.append(l).append('\n'));
        }
        i = end;
      }
    }
    String uses = body + "\n" + functions;
    StringBuilder names = new StringBuilder();
    for (String line : protocol) {
      Matcher n = NAME.matcher(line);
      if (n.matches() && Pattern.compile("\\$\\{?" + n.group(1) + "\\b").matcher(uses).find()) {
        names.append(line.strip()).append('\n');
      }
    }
    return names.toString() + functions + body;
  }

  private static final Pattern FUNCTION = Pattern.compile("([a-z_]+)\\(\\) \\{");
  private static final Pattern NAME = Pattern.compile("\\s*([A-Z_]+)=.*");

  private static String uncommented(String text) {
    return text.lines().filter(l -> !l.stripLeading().startsWith("#")).collect(Collectors.joining("\n"));
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
