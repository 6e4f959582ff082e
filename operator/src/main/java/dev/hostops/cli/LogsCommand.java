package dev.hostops.cli;

import dev.hostops.host.HostConnection;
import dev.hostops.render.ServiceLayout;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.Streamed;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code kubectl hostops logs SERVICE}: the unit's journal on every host of the service (and its log file
 * when the service appends its output there), each line prefixed with the Host's name, as stern does for
 * pods. With {@code -f} every host is followed at once; Ctrl-C closes every channel, and the host's end of
 * each, which waits for its input to end, stops what it started.
 */
final class LogsCommand {
  /**
   * The command on the host, fixed text; its arguments (unit, log file, since, lines, follow) arrive as
   * positional parameters. In follow mode it reads its input until the channel closes, then stops the
   * readers it started: nothing is left following a journal after the person left.
   */
  static final String LOGS = """
      unit=$1 file=$2 since=$3 lines=$4 follow=$5
      set -- -u "$unit" -o short-iso --no-pager --no-hostname -q
      [ -z "$since" ] || set -- "$@" "--since=$since"
      [ -f "$file" ] || file=
      if [ "$follow" = 1 ]; then
        # with --since, journalctl's --lines counts from the start: --since alone, then every new line
        [ -n "$since" ] || [ -z "$lines" ] || set -- "$@" "--lines=$lines"
        journalctl "$@" -f </dev/null & j=$!
        t=
        if [ -n "$file" ]; then tail -n "${lines:-10}" -F "$file" </dev/null 2>/dev/null & t=$!; fi
        cat >/dev/null
        kill $j $t 2>/dev/null
        exit 0
      fi
      if [ -z "$lines" ]; then journalctl "$@"; else journalctl "$@" | tail -n "$lines"; fi
      if [ -n "$file" ]; then tail -n "${lines:-+1}" "$file"; fi
      """;

  private LogsCommand() {}

  static int run(ServiceHosts hosts, KubectlHostops.Flags flags, PrintStream out, PrintStream err) {
    String name = hosts.service().getMetadata().getName();
    ServiceLayout layout = new ServiceLayout(name);
    boolean toFile = hosts.service().getSpec().logs != null && hosts.service().getSpec().logs.stdoutToFile;
    List<String> args = List.of(name + ".service", toFile ? layout.logFile() : "", flags.since == null ? "" : flags.since,
        flags.tail == null ? "" : String.valueOf(flags.tail), flags.follow ? "1" : "0");
    int width = hosts.targets().stream().mapToInt(t -> t.name().length()).max().orElse(0);
    ConcurrentLinkedQueue<AutoCloseable> open = new ConcurrentLinkedQueue<>();
    Thread closer = new Thread(() -> closeAll(open));
    Runtime.getRuntime().addShutdownHook(closer);
    AtomicInteger failed = new AtomicInteger();
    List<Thread> readers = new ArrayList<>();
    try {
      for (ServiceHosts.Target t : hosts.targets()) {
        String prefix = String.format("%-" + width + "s ", t.name());
        Thread reader = new Thread(() -> {
          try {
            HostConnection c = HostConnection.open(t.ssh(), Duration.ofSeconds(30));
            open.add(c);
            Streamed s = c.stream(LOGS, args, null);
            open.add(s);
            Thread errors = new Thread(() -> copy(s.stderr(), prefix, err));
            errors.start();
            copy(s.stdout(), prefix, out);
            errors.join();
            Integer exit = s.await();
            if (exit == null || exit != 0) {
              failed.incrementAndGet();
            }
          } catch (HostException e) {
            failed.incrementAndGet();
            synchronized (err) {
              err.println(prefix + "kubectl hostops logs: " + e.getMessage());
            }
          } catch (IOException e) {
            failed.incrementAndGet();
            synchronized (err) {
              err.println(prefix + "kubectl hostops logs: connection lost (" + e.getMessage() + ")");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }, "logs-" + t.name());
        reader.start();
        readers.add(reader);
      }
      for (Thread r : readers) {
        r.join();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      closeAll(open);
      try {
        Runtime.getRuntime().removeShutdownHook(closer);
      } catch (IllegalStateException e) {
        // shutting down: the hook runs
      }
    }
    out.flush();
    return failed.get() == 0 ? 0 : KubectlHostops.FAILED;
  }

  private static void copy(InputStream in, String prefix, PrintStream to) {
    try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        synchronized (to) {
          to.print(prefix);
          to.println(line);
          to.flush();
        }
      }
    } catch (IOException e) {
      // the channel closed (Ctrl-C, or the host went away)
    }
  }

  /** Closes every channel, then every connection (newest first). */
  private static void closeAll(ConcurrentLinkedQueue<AutoCloseable> open) {
    List<AutoCloseable> all = new ArrayList<>(open);
    open.clear();
    for (int i = all.size() - 1; i >= 0; i--) {
      try {
        all.get(i).close();
      } catch (Exception e) {
        // already gone
      }
    }
  }
}
