package dev.hostops.cli;

import java.util.List;

/** Reading flags from a command line. */
public final class CommandLine {
  private CommandLine() {}

  /** The value after a flag at {@code i}; a missing one (or another flag in its place) is a usage error. */
  public static String value(List<String> args, int i, String flag, String what) throws UsageException {
    if (i >= args.size() || args.get(i).isEmpty() || args.get(i).startsWith("-") && args.get(i).length() > 1) {
      throw new UsageException(flag + " needs " + what);
    }
    return args.get(i);
  }
}
