package dev.hostops.ssh;

/** sshd said no to the login key (the host was reached; its authorized_keys lacks the key). */
public final class LoginRefusedException extends HostUnreachableException {
  public LoginRefusedException(String message) {
    super(message, null);
  }
}
