package dev.hostops.host;

import java.io.IOException;
import java.net.InetAddress;

/**
 * This process as the holder of a host's lock while it runs a job there (host/main.sh locked_job): the
 * machine's (or pod's) name and this process's id, as a word of letters, digits and {@code .-_:}; a command a
 * person runs adds its name ({@link #identifyAsCommand}).
 */
public final class LockHolder {
  private static volatile String who = (System.getenv().getOrDefault("HOSTNAME", hostName()) + ":"
      + ProcessHandle.current().pid()).replaceAll("[^A-Za-z0-9._:-]", "_");

  private LockHolder() {}

  /**
   * Marks this process as a command a person runs ({@code hostops import}, {@code kubectl hostops}): its jobs
   * are held as {@code NAME:PID/COMMAND}, which an operator does not count as another process managing the host.
   */
  public static void identifyAsCommand(String command) {
    if (!who.contains("/")) {
      who = who + "/" + command.replaceAll("[^A-Za-z0-9._-]", "_");
    }
  }

  /** This process as a holder of a host's lock: {@code NAME:PID}, or {@code NAME:PID/COMMAND}. */
  public static String who() {
    return who;
  }

  /** Whether a holder of a host's lock is a command a person ran, not an operator process. */
  public static boolean isCommand(String holder) {
    return holder.contains("/");
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "hostops";
    }
  }
}
