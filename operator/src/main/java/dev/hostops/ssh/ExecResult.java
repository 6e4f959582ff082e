package dev.hostops.ssh;

/** What a remote script printed and how it exited. */
public record ExecResult(int exitCode, String stdout, String stderr) {
  public boolean ok() {
    return exitCode == 0;
  }
}
