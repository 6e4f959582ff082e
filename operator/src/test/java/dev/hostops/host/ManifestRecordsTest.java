package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.host.HostProgram.Job;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The manifest's kinds of record are named once in Java ({@link Record}); each job's script reads them in
 * one function, {@code JOB_record}, one case arm per kind. The two must name the same kinds: a kind Java
 * writes that the script lacks stops the job at the host ("unknown record"), and an arm Java never writes
 * is code no test reaches.
 */
class ManifestRecordsTest {
  private static final Path SCRIPTS = Path.of("src/main/resources/host");
  /** A case arm of the record function: words joined by " | ", then ")". */
  private static final Pattern ARM = Pattern.compile("^ {4}([a-z][a-z-]*(?: \\| [a-z][a-z-]*)*)\\)");

  /** The kinds the script's JOB_record function has a case arm for; null when it has no such function. */
  static Set<String> arms(Job job) throws IOException {
    String word = job.name().toLowerCase(Locale.ROOT);
    List<String> lines = Files.readAllLines(SCRIPTS.resolve(word + ".sh"));
    int start = lines.indexOf(word + "_record() {");
    if (start < 0) {
      return null;
    }
    Set<String> kinds = new TreeSet<>();
    for (String line : lines.subList(start + 1, lines.size())) {
      if (line.equals("}")) {
        break;
      }
      Matcher m = ARM.matcher(line);
      if (m.find()) {
        kinds.addAll(Arrays.asList(m.group(1).split(" \\| ")));
      }
    }
    return kinds;
  }

  private static Set<String> declared(Job job) {
    return Arrays.stream(Record.values()).filter(r -> r.readBy(job)).map(Record::word)
        .collect(Collectors.toCollection(TreeSet::new));
  }

  @Test
  void everyJobsScriptReadsExactlyTheKindsJavaWritesForIt() throws IOException {
    for (Job job : Job.values()) {
      Set<String> arms = arms(job);
      if (arms == null) {
        assertEquals(Set.of(), declared(job), job + " takes no manifest records, so Java may write none for it");
      } else {
        assertEquals(declared(job), arms, job.name().toLowerCase(Locale.ROOT) + ".sh's record function");
      }
    }
  }

  @Test
  void theApplyReadsItsOwnRecordsAndTheProbes() throws IOException {
    Set<String> apply = arms(Job.APPLY);
    assertTrue(apply.containsAll(List.of("stop", "write", "settle", "keep-updated", "retire")), apply.toString());
    assertTrue(apply.containsAll(arms(Job.PROBE)), "an apply ends with the probe of what it changed");
  }

  @Test
  void theParserReadsEveryArmAndNoFallback() throws IOException {
    // the check above can fail only if the parser sees the arms: one per kind, joined ones too, not "*"
    Set<String> arms = arms(Job.APPLY);
    assertTrue(arms.contains("rmdir") && arms.contains("daemon-reload") && arms.contains("file"), arms.toString());
    assertFalse(arms.contains("*"), "the fallback arm is not a kind");
    assertEquals(Set.of("remove", "audit"), arms(Job.REMOVE));
  }

  @Test
  void aManifestForAJobRefusesAKindItsScriptDoesNotRead() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new Manifest(Job.PULL).add(Record.WRITE, "/etc/x"));
    assertEquals("a write record in a manifest for the PULL job", e.getMessage());
    new Manifest(Job.REMOVE).add(Record.REMOVE, "web", "team/web").add(Record.AUDIT, "x");
    new Manifest(Job.APPLY).add(Record.KNOWN, "abc").add(Record.DAEMON_RELOAD);
  }
}
