package dev.hostops.cli;

import dev.hostops.host.HostConnection;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.Streamed;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code kubectl hostops exec SERVICE [-i] [-t] -- CMD…}: {@code docker exec} in the service's container on
 * one of its hosts (the first whose container runs, or {@code --host}). The command's words reach docker
 * as arguments, never through a shell; its exit status is this command's. With {@code -t} the host gives a
 * terminal, the local one is put in raw mode (Ctrl-C and every key go to the container) and window size
 * changes follow.
 */
final class ContainerExec {
  /** Fixed text: docker's flags (-i, -t, fixed), the container's name and the user's words as arguments. */
  static final String EXEC = "exec docker exec \"$@\"";

  private ContainerExec() {}

  static int run(ServiceHosts hosts, KubectlHostops.Flags flags, InputStream in, PrintStream out, PrintStream err) {
    ServiceHosts.Target t = hosts.targets().get(0);
    List<String> args = new ArrayList<>();
    if (flags.stdin) {
      args.add("-i");
    }
    if (flags.tty) {
      args.add("-t");
    }
    args.add(hosts.service().getMetadata().getName());
    args.addAll(flags.command);
    LocalTerminal terminal = flags.tty ? LocalTerminal.open() : null;
    try (HostConnection c = HostConnection.open(t.ssh(), Duration.ofSeconds(30))) {
      Streamed s = c.stream(EXEC, args, terminal == null ? null
          : terminal.size().orElse(new int[] {80, 24}));
      Thread closer = new Thread(() -> {
        s.close();
        c.close();
        if (terminal != null) {
          terminal.restore();
        }
      });
      Runtime.getRuntime().addShutdownHook(closer);
      if (terminal != null) {
        terminal.raw();
        terminal.onResize(size -> {
          try {
            s.resize(size[0], size[1]);
          } catch (IOException e) {
            // the session ended meanwhile
          }
        });
      }
      Thread output = pump(s.stdout(), out, false);
      Thread errors = pump(s.stderr(), err, false);
      if (flags.stdin) {
        Thread input = new Thread(() -> {
          try (OutputStream to = s.stdin()) {
            byte[] buf = new byte[8192];
            for (int n; (n = in.read(buf)) >= 0; ) {
              to.write(buf, 0, n);
              to.flush();
            }
          } catch (IOException e) {
            // the session ended
          }
        }, "exec-stdin");
        input.setDaemon(true);
        input.start();
      } else {
        s.stdin().close();
      }
      output.join();
      errors.join();
      Integer exit = s.await();
      s.close();
      try {
        Runtime.getRuntime().removeShutdownHook(closer);
      } catch (IllegalStateException e) {
        // shutting down
      }
      return exit == null ? 255 : exit;
    } catch (HostException e) {
      err.println("kubectl hostops exec: " + t.name() + ": " + e.getMessage());
      return KubectlHostops.FAILED;
    } catch (IOException e) {
      err.println("kubectl hostops exec: " + t.name() + ": connection lost (" + e.getMessage() + ")");
      return KubectlHostops.FAILED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return KubectlHostops.FAILED;
    } finally {
      if (terminal != null) {
        terminal.restore();
      }
    }
  }

  private static Thread pump(InputStream from, PrintStream to, boolean daemon) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[8192];
      try {
        for (int n; (n = from.read(buf)) >= 0; ) {
          to.write(buf, 0, n);
          to.flush();
        }
      } catch (IOException e) {
        // the channel closed
      }
    }, "exec-out");
    t.setDaemon(daemon);
    t.start();
    return t;
  }
}
