package dev.hostops.host;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The data a job of the host program acts on: records, one per line, each a kind the program knows and
 * its values (format in {@code host/lib.sh}). A value is written with every byte outside printable ASCII,
 * and the backslash, as {@code \0} and three octal digits, so it never holds a space, a newline or
 * anything the program could take for code: the program only reads values, it never runs them. File
 * contents travel as base64 lines after a {@code data} line, named by their first and last line.
 */
public final class Manifest {
  private final List<List<Object>> records = new ArrayList<>();
  private final List<String> data = new ArrayList<>();
  /** The job the manifest is for, whose kinds of record alone it takes; null: any (tests' hand-made ones). */
  private final HostProgram.Job job;

  /** A file's content: where it ends up among the data lines is known only once the records are. */
  private record Content(int first, int count) {}

  /** A manifest for the job: adding a kind of record its script does not read is a bug, and fails at once. */
  public Manifest(HostProgram.Job job) {
    this.job = job;
  }

  /** A manifest of any records (tests send kinds no job reads, to see them refused). */
  Manifest() {
    this.job = null;
  }

  /** Adds a record of this kind with these values. */
  public Manifest add(Record kind, String... values) {
    return add(kind, List.of(values));
  }

  public Manifest add(Record kind, List<String> values) {
    return add(checked(kind), values);
  }

  /** Adds a record whose last two values are the first and last data line of {@code content}. */
  public Manifest addWithContent(Record kind, List<String> values, byte[] content) {
    return addWithContent(checked(kind), values, content);
  }

  Manifest addWithContent(String kind, List<String> values, byte[] content) {
    List<Object> r = new ArrayList<>();
    r.add(kind);
    r.addAll(values);
    String encoded = Base64.getMimeEncoder().encodeToString(content);
    List<String> lines = encoded.isEmpty() ? List.of() : List.of(encoded.split("\r\n"));
    r.add(new Content(data.size(), lines.size()));
    data.addAll(lines);
    records.add(r);
    return this;
  }

  /** A record of any word: tests, which send kinds no job reads, through the package. */
  Manifest add(String kind, String... values) {
    return add(kind, List.of(values));
  }

  Manifest add(String kind, List<String> values) {
    List<Object> r = new ArrayList<>();
    r.add(kind);
    r.addAll(values);
    records.add(r);
    return this;
  }

  private String checked(Record kind) {
    if (job != null && !kind.readBy(job)) {
      throw new IllegalArgumentException("a " + kind.word() + " record in a manifest for the " + job + " job");
    }
    return kind.word();
  }

  public boolean isEmpty() {
    return records.isEmpty();
  }

  /** The manifest as the host program reads it. */
  public byte[] bytes() {
    StringBuilder s = new StringBuilder();
    int dataStart = records.size() + 2; // line of the first data line: after the records and "data"
    for (List<Object> r : records) {
      s.append(r.get(0));
      for (Object v : r.subList(1, r.size())) {
        s.append(' ');
        if (v instanceof Content c) {
          s.append(c.count() == 0 ? "0 0" : (dataStart + c.first()) + " " + (dataStart + c.first() + c.count() - 1));
        } else {
          s.append(encode((String) v));
        }
      }
      s.append('\n');
    }
    if (!data.isEmpty()) {
      s.append("data\n");
      data.forEach(line -> s.append(line).append('\n'));
    }
    return s.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * One value as a field: printable ASCII but the backslash as it is, every other byte as {@code \0ooo};
   * the empty value as "-", and "-" itself escaped. A NUL byte cannot be a shell value: refused.
   */
  static String encode(String value) {
    if (value.isEmpty()) {
      return "-";
    }
    if (value.equals("-")) {
      return "\\0055";
    }
    byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
    ByteArrayOutputStream out = new ByteArrayOutputStream(bytes.length);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (c == 0) {
        throw new IllegalArgumentException("a value for the host holds a NUL byte");
      }
      if (c > 0x20 && c < 0x7f && c != '\\') {
        out.write(c);
      } else {
        out.writeBytes(String.format("\\0%03o", c).getBytes(StandardCharsets.US_ASCII));
      }
    }
    return out.toString(StandardCharsets.US_ASCII);
  }
}
