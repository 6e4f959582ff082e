package dev.hostops.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.function.Consumer;
import sun.misc.Signal;

/**
 * The person's terminal during {@code exec -t}: put in raw mode (every key, Ctrl-C included, goes to the
 * remote terminal) and given back as it was; its size, and a callback when the window is resized (SIGWINCH).
 * Java has no terminal API: {@code stty} on {@code /dev/tty} does it, as ssh's own client would with termios.
 */
final class LocalTerminal {
  private static final File TTY = new File("/dev/tty");
  private final String saved;
  private volatile boolean raw;

  private LocalTerminal(String saved) {
    this.saved = saved;
  }

  /** The terminal when there is one (else a terminal of 80x24 is asked of the host, and nothing is changed here). */
  static LocalTerminal open() {
    return new LocalTerminal(stty("-g").orElse(null));
  }

  /** Columns and rows, when known. */
  Optional<int[]> size() {
    return stty("size").map(s -> s.trim().split("\\s+")).filter(p -> p.length == 2 && p[0].matches("\\d+")
        && p[1].matches("\\d+")).map(p -> new int[] {Integer.parseInt(p[1]), Integer.parseInt(p[0])});
  }

  void raw() {
    if (saved != null) {
      raw = stty("raw", "-echo").isPresent();
    }
  }

  synchronized void restore() {
    if (raw) {
      stty(saved);
      raw = false;
    }
  }

  void onResize(Consumer<int[]> resized) {
    try {
      Signal.handle(new Signal("WINCH"), s -> size().ifPresent(resized));
    } catch (IllegalArgumentException e) {
      // no SIGWINCH here
    }
  }

  private static Optional<String> stty(String... args) {
    if (!TTY.canRead()) {
      return Optional.empty();
    }
    String[] command = new String[args.length + 1];
    command[0] = "stty";
    System.arraycopy(args, 0, command, 1, args.length);
    try {
      Process p = new ProcessBuilder(command).redirectInput(TTY).redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? Optional.of(out) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }
}
