package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The host protocol is named once on each side, HostProtocol in Java and protocol.sh in the host program, and
 * the two agree: every name has the same value on both sides, and no name is on one side only.
 */
class HostProtocolTest {
  private static final Pattern ASSIGNMENT = Pattern.compile("^\\s*([A-Z_]+)=(.*)$", Pattern.MULTILINE);

  /** NAME=value lines of protocol.sh, the value unquoted as sh does for a plain word or a '…' word. */
  static Map<String, String> shell(String text) {
    Map<String, String> names = new TreeMap<>();
    Matcher m = ASSIGNMENT.matcher(text);
    while (m.find()) {
      String v = m.group(2);
      if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'") && v.indexOf('\'', 1) == v.length() - 1) {
        v = v.substring(1, v.length() - 1);
      } else if (!v.matches("[A-Za-z0-9_./:-]*")) {
        throw new AssertionError("protocol.sh: " + m.group(1) + " is neither a plain word nor '…': " + v);
      }
      names.put(m.group(1), v);
    }
    return names;
  }

  /** HostProtocol's constants, numbers as the shell writes them. */
  static Map<String, String> java() throws IllegalAccessException {
    Map<String, String> names = new TreeMap<>();
    for (Field f : HostProtocol.class.getDeclaredFields()) {
      if (Modifier.isStatic(f.getModifiers()) && !f.isSynthetic()) {
        f.setAccessible(true);
        names.put(f.getName(), String.valueOf(f.get(null)));
      }
    }
    return names;
  }

  @Test
  void everyNameHasTheSameValueOnBothSidesAndNoneIsOnOneSideOnly() throws Exception {
    Map<String, String> shell = shell(HostProgram.read("protocol.sh"));
    Map<String, String> java = java();
    assertFalse(java.isEmpty());
    assertEquals(java, shell, "HostProtocol.java and host/protocol.sh");
  }

  @Test
  void theComparisonSeesADifferenceEitherWay() throws Exception {
    Map<String, String> java = java();
    String text = HostProgram.read("protocol.sh");
    assertFalse(java.equals(shell(text.replace("EXIT_BUSY=95", "EXIT_BUSY=94"))), "a changed value");
    assertFalse(java.equals(shell(text.replace("'hostops-reply '", "'hostops-reply'"))), "a changed marker");
    assertFalse(java.equals(shell(text + "\n  EXIT_NEW=99\n")), "a name the shell has alone");
    assertFalse(java.equals(shell(text.replaceAll("(?m)^\\s*MARK_SERVING=.*$", ""))), "a name Java has alone");
  }

  /** The runner and the bootstrap are sent with the protocol's definitions they use, and nothing else of it. */
  @Test
  void eachFixedCommandCarriesTheDefinitionsItUses() throws Exception {
    Map<String, String> shell = shell(HostProgram.read("protocol.sh"));
    for (String part : List.of("runner.sh", "bootstrap.sh")) {
      String command = HostProgram.command(part);
      Map<String, String> defined = shell(command);
      for (String name : shell.keySet()) {
        boolean used = Pattern.compile("\\$\\{?" + name + "\\b").matcher(command).find();
        assertEquals(used, defined.containsKey(name), part + ": " + name + (used ? " used but not sent" : " sent, not used"));
      }
      assertEquals(part.equals("runner.sh"), command.contains("store_verified() {"), part);
      Process sh = new ProcessBuilder("sh", "-n", "-c", command).redirectErrorStream(true).start();
      String said = new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(sh.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, sh.exitValue(), part + " as sent is not valid sh: " + said);
    }
    assertTrue(HostProgram.command("bootstrap.sh").length() < 300, "the bootstrap goes with every job");
  }

  /** No part of the host program, and no Java file but HostProtocol, spells out a marker or a refusal's status. */
  @Test
  void theProtocolIsSpelledOutNowhereElse() throws Exception {
    Map<String, String> names = java();
    List<String> found = new ArrayList<>();
    for (String part : HostProgram.PARTS) {
      if (part.equals("protocol.sh")) {
        continue;
      }
      check(part, HostProgram.read(part), names, found);
    }
    check("runner.sh", HostProgram.read("runner.sh"), names, found);
    check("bootstrap.sh", HostProgram.read("bootstrap.sh"), names, found);
    Path main = Path.of("src/main/java");
    if (Files.isDirectory(main)) {
      try (Stream<Path> files = Files.walk(main)) {
        for (Path f : files.filter(p -> p.toString().endsWith(".java") && !p.endsWith("HostProtocol.java")).toList()) {
          String text = Files.readString(f).lines().filter(l -> !l.stripLeading().matches("(\\*|/\\*|//).*"))
              .reduce("", (a, b) -> a + b + "\n");
          names.forEach((name, value) -> {
            if (name.startsWith("MARK_") && text.contains("\"" + value.strip())) {
              found.add(f + ": " + name);
            }
          });
        }
      }
    }
    assertEquals(List.of(), found);
  }

  private static void check(String part, String text, Map<String, String> names, List<String> found) throws IOException {
    String code = text.lines().filter(l -> !l.stripLeading().startsWith("#")).reduce("", (a, b) -> a + b + "\n");
    names.forEach((name, value) -> {
      if (name.startsWith("MARK_") ? code.contains(value.strip()) : Pattern.compile(
          "(exit|return|reply_end) \"?" + value + "\\b").matcher(code).find()) {
        found.add(part + ": " + name);
      }
    });
  }
}
