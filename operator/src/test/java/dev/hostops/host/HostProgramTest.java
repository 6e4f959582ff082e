package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The host program's own parts, run by the machine's POSIX sh (dash on Debian, as on the hosts): the
 * manifest parser hands every awkward value back byte for byte and never runs one; shellcheck finds
 * nothing in any part nor in the joined program.
 */
class HostProgramTest {
  @TempDir Path dir;

  /** Values a user could type (or a hostile one could), each of which a shell could take for code. */
  static List<String> awkward() {
    List<String> v = new ArrayList<>(List.of("", "-", "--", " ", "  lead and trail  ", "\t", "\n", "a\nb", "\r\n",
        "trailing newline\n\n", "'", "\"", "'\"'\"'", "$(touch /tmp/pwned)", "`touch /tmp/pwned`", "${HOME}", "$HOME",
        "$1", "$@", "\\", "\\\\", "\\n", "\\0134", "\\0055", "\\c", "%s%d%%", "*", "/*", "?", "[a-z]", "~", "a;b", "a|b",
        "a&b", "a>b", "<<EOF", "#comment", "!", "data", "é ü 漢字 🚀", "\u0001", "\u0001\u0002\u001f", "\u007f",
        "x\u0001", "\u0001x", "ends with backslash\\", "=", "a=b", "IFS= read", "-n", "-e", "--help"));
    v.add("long " + "x".repeat(100_000));
    v.add("long awkward " + "\n$('\\\"".repeat(5_000));
    return v;
  }

  @Test
  void everyAwkwardValueArrivesByteForByteAndNoneIsRun() throws Exception {
    Path marker = Path.of("/tmp/pwned");
    Files.deleteIfExists(marker);
    List<String> values = awkward();
    Manifest m = new Manifest();
    values.forEach(v -> m.add("value", v));
    m.add("several", values.subList(0, 20));
    Path manifest = dir.resolve("manifest");
    Files.write(manifest, m.bytes());
    // the library's parser, and a handler that stores each value it is handed in a file of its own
    String program = HostProgram.read("lib.sh") + """
        i=0
        store() {
          kind=$1; shift
          for x in "$@"; do i=$((i + 1)); printf '%s' "$x" >"$OUT/$i.$kind"; done
        }
        each_record "$1" store
        """;
    Path out = run(program, manifest);
    assertFalse(Files.exists(marker), "a value was run as code");
    int i = 0;
    for (String v : values) {
      i++;
      assertArrayEquals(v.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(out.resolve(i + ".value")),
          "value " + i + " (" + printable(v) + ")");
    }
    for (String v : values.subList(0, 20)) {
      i++;
      assertArrayEquals(v.getBytes(StandardCharsets.UTF_8), Files.readAllBytes(out.resolve(i + ".several")),
          "value " + i + " of one record (" + printable(v) + ")");
    }
  }

  @Test
  void aManifestIsOneRecordPerLineWithNoSpaceOrControlByteInsideAField() {
    Manifest m = new Manifest();
    awkward().forEach(v -> m.add("value", v));
    String text = new String(m.bytes(), StandardCharsets.US_ASCII);
    List<String> lines = text.lines().toList();
    assertEquals(awkward().size(), lines.size());
    for (String line : lines) {
      assertTrue(line.matches("value [\\x21-\\x7e]+"), printable(line));
    }
  }

  @Test
  void aNulByteIsRefusedNotCutShort() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Manifest().add("value", "a\u0000b").bytes());
    assertTrue(e.getMessage().contains("NUL"), e.getMessage());
  }

  @Test
  void fileContentsComeBackWholeFromTheDataLines() throws Exception {
    byte[] big = new byte[300_000];
    new java.util.Random(7).nextBytes(big);
    Manifest m = new Manifest().add("first", "x")
        .addWithContent("write", List.of("/a"), big)
        .addWithContent("write", List.of("/empty"), new byte[0])
        .addWithContent("write", List.of("/b"), "line\n".getBytes(StandardCharsets.UTF_8))
        .add("after", "y");
    Path manifest = dir.resolve("manifest");
    Files.write(manifest, m.bytes());
    String program = HostProgram.read("lib.sh") + HostProgram.read("apply.sh") + """
        M=$1
        n=0
        store() {
          [ "$1" = write ] || { printf '%s\\n' "$1" >>"$OUT/kinds"; return 0; }
          n=$((n + 1)); content "$3" "$4" >"$OUT/$n"
        }
        each_record "$1" store
        """;
    Path out = run(program, manifest);
    assertArrayEquals(big, Files.readAllBytes(out.resolve("1")));
    assertArrayEquals(new byte[0], Files.readAllBytes(out.resolve("2")));
    assertEquals("line\n", Files.readString(out.resolve("3")));
    assertEquals("first\nafter\n", Files.readString(out.resolve("kinds")), "records after contents are read, data lines are not");
  }

  @Test
  void anUnknownRecordEndsTheJobAndNamesIt() throws Exception {
    Path manifest = dir.resolve("manifest");
    Files.write(manifest, new Manifest().add("owner", "svc", "team/svc").add("rm-rf", "/").bytes());
    Process p = new ProcessBuilder("sh", "-c", new String(HostProgram.bytes(), StandardCharsets.UTF_8), "hostops",
        "remove", manifest.toString()).redirectErrorStream(true).start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(2, p.exitValue(), output);
    assertEquals("hostops: unknown record 'owner' in the manifest\n", output);
  }

  @Test
  void shellcheckFindsNothingInAnyPartNorInTheJoinedProgram() throws Exception {
    List<Path> files = new ArrayList<>();
    for (String part : List.of("runner.sh", "bootstrap.sh")) {
      files.add(write(part, HostProgram.read(part)));
    }
    for (String part : HostProgram.PARTS) {
      files.add(write(part, HostProgram.read(part)));
    }
    files.add(write("program.sh", new String(HostProgram.bytes(), StandardCharsets.UTF_8)));
    List<String> cmd = new ArrayList<>(List.of("shellcheck", "--shell=sh", "--severity=style"));
    files.forEach(f -> cmd.add(f.toString()));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      throw new AssertionError("shellcheck is not installed (bin/install-deps installs it)", e);
    }
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
  }

  /** Runs {@code program} by the machine's sh on the manifest, with $OUT a fresh folder; returns it once sh ended well. */
  private Path run(String program, Path manifest) throws Exception {
    Path out = Files.createDirectory(dir.resolve("out"));
    ProcessBuilder pb = new ProcessBuilder("sh", "-c", program, "hostops", manifest.toString()).redirectErrorStream(true);
    pb.environment().put("OUT", out.toString());
    Process p = pb.start();
    String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), output);
    return out;
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  private static String printable(String v) {
    String s = v.length() > 40 ? v.substring(0, 40) + "…" : v;
    StringBuilder b = new StringBuilder();
    s.codePoints().forEach(c -> b.append(c < 0x20 || c == 0x7f ? String.format("\\x%02x", c) : Character.toString(c)));
    return b.toString();
  }
}
