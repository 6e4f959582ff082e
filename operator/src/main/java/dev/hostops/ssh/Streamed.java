package dev.hostops.ssh;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import net.schmizz.sshj.connection.channel.direct.Session;
import net.schmizz.sshj.connection.channel.direct.SessionChannel;

/**
 * A running streamed command (the kubectl plugin's {@code logs -f}, {@code exec}): its streams, its exit status
 * once it ended, and closing its channel.
 */
public final class Streamed implements AutoCloseable {
  private final Session session;
  private final Session.Command command;

  Streamed(Session session, Session.Command command) {
    this.session = session;
    this.command = command;
  }

  public InputStream stdout() {
    return command.getInputStream();
  }

  public InputStream stderr() {
    return command.getErrorStream();
  }

  public OutputStream stdin() {
    return command.getOutputStream();
  }

  /** Waits for the command to end; its exit status, or null when the channel closed without one. */
  public Integer await() throws IOException {
    command.join();
    return command.getExitStatus();
  }

  /** Tells the terminal the window's new size. */
  public void resize(int columns, int rows) throws IOException {
    ((SessionChannel) command).changeWindowDimensions(columns, rows, 0, 0);
  }

  /** Closes the channel: the host's end sees its input end (the commands the plugin runs stop on that). */
  @Override
  public void close() {
    closeQuietly(session);
  }

  static void closeQuietly(Session session) {
    try {
      session.close();
    } catch (IOException | RuntimeException e) {
      // already gone
    }
  }
}
