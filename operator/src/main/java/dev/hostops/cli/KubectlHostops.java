package dev.hostops.cli;

import dev.hostops.host.LockHolder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * The kubectl plugin ({@code bin/kubectl-hostops}, run as {@code kubectl hostops …}): logs, exec, diff and
 * status of HostServices, with the caller's kubeconfig and the caller's rights (the Host and its key Secret
 * are read as the caller; a refusal is one line naming the permission). A user's mistake is one line and
 * exit 2, and nothing is sent to any host.
 */
public final class KubectlHostops {
  static final int USAGE_ERROR = 2;
  /** A refusal by the API server or a host that could not be reached. */
  static final int FAILED = 1;
  static final String USAGE = """
      usage: kubectl hostops status [SERVICE] [-n NS]          per host: state, unit, container, health, image, since when
             kubectl hostops logs SERVICE [--host H] [-f] [--since 10m] [--tail N] [-n NS]
                                                              the unit's journal (and log file) from each host, prefixed
             kubectl hostops exec SERVICE [--host H] [-i] [-t] [-n NS] -- CMD…
                                                              docker exec in the service's container; its exit status
             kubectl hostops diff -f FILE… [-n NS]           what applying the manifests would change on each host
                                                              (read-only; exit 0 same, 1 different)
             kubectl hostops restart SERVICE [--host H] [-n NS]
                                                              restart on every host as a rollout (spec.restartedAt:
                                                              pull first, maxUnavailable at a time); --host: that host
                                                              only, at once
      """;

  private KubectlHostops() {}

  public static void main(String[] args) {
    // the client's own logging (fabric8 warnings) stays out of a person's terminal
    System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "error");
    // a person waits at the terminal: an API server that does not answer is said at once, not after retries
    System.setProperty("kubernetes.request.retry.backoffLimit", "0");
    // on a host's lock a person's command, not an operator (host/main.sh locked_job)
    LockHolder.identifyAsCommand("kubectl-hostops");
    int exit = execute(List.of(args), System.in, System.out, System.err);
    System.out.flush();
    System.exit(exit);
  }

  /** Runs one command and returns its exit code. */
  public static int execute(List<String> args, InputStream in, PrintStream out, PrintStream err) {
    return execute(args, in, out, err, "kubectl hostops");
  }

  /** @param name how the command is called, for its messages: kubectl hostops, or hostops (bin/hostops restart) */
  public static int execute(List<String> args, InputStream in, PrintStream out, PrintStream err, String name) {
    String command = args.isEmpty() ? "" : args.get(0);
    List<String> rest = args.isEmpty() ? List.of() : args.subList(1, args.size());
    String prefix = name + (List.of("status", "logs", "exec", "diff", "restart").contains(command) ? " " + command : "");
    Flags flags;
    try {
      flags = Flags.parse(command, rest);
    } catch (UsageException e) {
      err.println(prefix + ": " + e.getMessage());
      return USAGE_ERROR;
    }
    if (flags == null) {
      out.print(USAGE);
      return 0;
    }
    Supplier<KubernetesClient> clients = () -> new KubernetesClientBuilder().build();
    try (KubernetesClient client = clients.get()) {
      String namespace = flags.namespace != null ? flags.namespace
          : client.getNamespace() != null ? client.getNamespace() : "default";
      return switch (command) {
        case "status" -> StatusCommand.run(client, namespace, flags.service, out);
        case "logs" -> LogsCommand.run(ServiceHosts.resolve(client, namespace, flags.service, flags.host, false),
            flags, out, err);
        case "exec" -> ContainerExec.run(ServiceHosts.resolve(client, namespace, flags.service, flags.host, true),
            flags, in, out, err);
        case "diff" -> DiffCommand.run(client, namespace, flags.files, out, err);
        case "restart" -> RestartCommand.run(client, namespace, flags.service, flags.host, out, err, prefix);
        default -> throw new IllegalStateException(command);
      };
    } catch (UsageException e) {
      err.println(prefix + ": " + e.getMessage());
      return USAGE_ERROR;
    } catch (KubernetesClientException e) {
      err.println(prefix + ": " + apiProblem(e));
      return FAILED;
    }
  }

  /** One line for a refusal or failure of the API server: its own message names the missing permission. */
  static String apiProblem(KubernetesClientException e) {
    String message = e.getStatus() != null && e.getStatus().getMessage() != null ? e.getStatus().getMessage()
        : e.getMessage();
    if (e.getCode() == 403) {
      return "forbidden: " + message;
    }
    if (e.getCode() <= 0) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      return "cannot reach the API server: " + (root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage());
    }
    return String.valueOf(message).lines().findFirst().orElse("");
  }

  /** The flags of one command; a flag the command does not take, or a missing value, is a usage error. */
  static final class Flags {
    String service;
    String host;
    String namespace;
    boolean follow;
    String since;
    Integer tail;
    boolean stdin;
    boolean tty;
    final List<String> command = new ArrayList<>();
    final List<Path> files = new ArrayList<>();

    /** The flags, or null when help was asked for. */
    static Flags parse(String command, List<String> args) throws UsageException {
      Flags f = new Flags();
      switch (command) {
        case "status", "logs", "exec", "diff", "restart" -> { }
        case "", "help", "-h", "--help" -> {
          return null;
        }
        default -> throw new UsageException("unknown command '" + command + "': use status, logs, exec, diff or restart");
      }
      List<String> positional = new ArrayList<>();
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        if (a.equals("--") && command.equals("exec")) {
          f.command.addAll(args.subList(i + 1, args.size()));
          break;
        }
        String flag = a.contains("=") && a.startsWith("--") ? a.substring(0, a.indexOf('=')) : a;
        String inline = flag.equals(a) ? null : a.substring(a.indexOf('=') + 1);
        switch (command + " " + flag) {
          case "status -n", "status --namespace", "logs -n", "logs --namespace", "exec -n", "exec --namespace",
               "diff -n", "diff --namespace", "restart -n", "restart --namespace" -> {
            f.namespace = inline != null ? inline : CommandLine.value(args, ++i, a, "a namespace");
          }
          case "logs --host", "exec --host", "restart --host" -> f.host = inline != null ? inline : CommandLine.value(args, ++i, a, "a Host name");
          case "logs -f", "logs --follow" -> f.follow = true;
          case "logs --since" -> f.since = since(inline != null ? inline : CommandLine.value(args, ++i, a, "a duration like 10m"));
          case "logs --tail" -> f.tail = tail(inline != null ? inline : CommandLine.value(args, ++i, a, "a number of lines"));
          case "exec -i", "exec --stdin" -> f.stdin = true;
          case "exec -t", "exec --tty" -> f.tty = true;
          case "exec -it", "exec -ti" -> {
            f.stdin = true;
            f.tty = true;
          }
          case "diff -f", "diff --filename" -> f.files.add(Path.of(inline != null ? inline
              : CommandLine.value(args, ++i, a, "a file or folder")));
          default -> {
            if (a.startsWith("-") && a.length() > 1) {
              throw new UsageException("unknown flag " + a + " (" + flagsOf(command) + ")");
            }
            positional.add(a);
          }
        }
      }
      switch (command) {
        case "status" -> {
          if (positional.size() > 1) {
            throw new UsageException("one service at most: kubectl hostops status [SERVICE]");
          }
          f.service = positional.isEmpty() ? null : positional.get(0);
        }
        case "logs", "exec", "restart" -> {
          if (positional.size() != 1) {
            throw new UsageException(positional.isEmpty() ? "which service? kubectl hostops " + command + " SERVICE"
                + (command.equals("exec") ? " -- CMD…" : "")
                : "unexpected argument '" + positional.get(1) + "'" + (command.equals("exec") ? " (the command goes after --)" : ""));
          }
          f.service = positional.get(0);
          if (command.equals("exec") && f.command.isEmpty()) {
            throw new UsageException("no command: kubectl hostops exec SERVICE -- CMD…");
          }
        }
        case "diff" -> {
          if (!positional.isEmpty()) {
            throw new UsageException("unexpected argument '" + positional.get(0) + "' (manifests are given with -f FILE)");
          }
          if (f.files.isEmpty()) {
            throw new UsageException("no manifests given: kubectl hostops diff -f FILE…");
          }
        }
        default -> { }
      }
      if (f.service != null && !f.service.matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?")) {
        throw new UsageException("'" + f.service + "' is not a HostService name");
      }
      return f;
    }

    private static String flagsOf(String command) {
      return switch (command) {
        case "logs" -> "flags: --host H, -f, --since 10m, --tail N, -n NS";
        case "exec" -> "flags: --host H, -i, -t, -n NS, then -- CMD…";
        case "restart" -> "flags: --host H, -n NS";
        case "diff" -> "flags: -f FILE, -n NS";
        default -> "flags: -n NS";
      };
    }

    /** A duration (10s, 5m, 2h, 1d) as journalctl's relative time in seconds, "-600s". */
    static String since(String value) throws UsageException {
      var m = Pattern.compile("([0-9]{1,7})([smhd])").matcher(value);
      if (!m.matches()) {
        throw new UsageException("--since needs a duration like 30s, 10m, 2h or 1d, not '" + value + "'");
      }
      long n = Long.parseLong(m.group(1));
      long seconds = switch (m.group(2)) {
        case "s" -> n;
        case "m" -> n * 60;
        case "h" -> n * 3600;
        default -> n * 86400;
      };
      return "-" + seconds + "s";
    }

    static int tail(String value) throws UsageException {
      if (!value.matches("[0-9]{1,7}")) {
        throw new UsageException("--tail needs a number of lines, not '" + value + "'");
      }
      return Integer.parseInt(value);
    }
  }
}
