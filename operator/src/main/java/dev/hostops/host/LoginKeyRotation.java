package dev.hostops.host;

import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.HostUnreachableException;
import dev.hostops.ssh.KeyNotAuthorizedException;
import dev.hostops.ssh.LoginKey;
import dev.hostops.ssh.LoginRefusedException;
import dev.hostops.ssh.SshTarget;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Base64;
import java.util.function.IntConsumer;
import java.util.regex.Pattern;

/**
 * Moves hostops' login on one host from the key that works to a new one, never locking itself out:
 * (1) logged in with a key that works, add the new public key to the login user's {@code authorized_keys}
 * (written beside it and renamed over it, everything else in the file kept byte for byte); (2) prove a
 * fresh login with the new key; (3) only then remove the old public key. Each step is idempotent and the
 * state lives on the host, so a run killed or cut at any step is finished by the next one, with whichever
 * key still works: it first tries the new key, and if that logs in, only step 3 is left.
 */
public final class LoginKeyRotation {
  /** A public key as {@link LoginKey#authorizedKey} writes it: type and base64, nothing a shell reads. */
  private static final Pattern PUBLIC_KEY = Pattern.compile("[a-z0-9@.-]{1,64} [A-Za-z0-9+/]{1,2000}={0,2}");
  private static final Pattern LOGIN = Pattern.compile("[a-z_][a-z0-9_-]{0,31}");

  /**
   * Where a rotation is, for tests that stop it after a step. A fault test of a whole operator process sets
   * {@code -Dhostops.faults.pauseRotationAfterStep=N}: the rotation then waits after step N (saying so on
   * stdout) until the test kills the process; unset, nothing waits.
   */
  public static volatile IntConsumer afterStep = pauseAfter(Integer.getInteger("hostops.faults.pauseRotationAfterStep", 0));

  private static IntConsumer pauseAfter(int pause) {
    return step -> {
      if (pause != 0 && step == pause) {
        System.out.println("hostops: login key rotation paused after step " + step);
        System.out.flush();
        try {
          Thread.sleep(Long.MAX_VALUE);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    };
  }

  /** The connection to use when no Secret holds the old key any more: the live one, if any. */
  public interface LiveConnection {
    <T> T with(HostSessions.Work<T> work) throws HostException;
  }

  /** What was done, for status and an Event. */
  public record Outcome(String fingerprint, String publicKey, String message) {}

  private LoginKeyRotation() {}

  /**
   * Makes {@code desired}'s key the login key on the host. {@code old} is the same target with the key that
   * worked until now (null when no Secret holds it any more), {@code oldPublicKey} its public half (from
   * status), {@code live} a connection still logged in with it, if any.
   *
   * @throws KeyNotAuthorizedException when neither key logs in
   */
  public static Outcome rotate(SshTarget desired, SshTarget old, String oldPublicKey, LiveConnection live,
                               Duration timeout) throws HostException {
    return rotate(desired.endpoint(), desired, old, oldPublicKey, live, timeout);
  }

  /** The same, for the Host {@code resource} (namespace/name), as the audit log on the host names it. */
  public static Outcome rotate(String resource, SshTarget desired, SshTarget old, String oldPublicKey, LiveConnection live,
                               Duration timeout) throws HostException {
    String newKey = LoginKey.authorizedKey(desired.privateKey());
    String newPrint = LoginKey.fingerprint(desired.privateKey());
    String oldPrint = old != null ? LoginKey.fingerprint(old.privateKey())
        : oldPublicKey != null && PUBLIC_KEY.matcher(oldPublicKey).matches() ? publicFingerprint(oldPublicKey) : null;
    if (!LOGIN.matcher(desired.user()).matches() || !PUBLIC_KEY.matcher(newKey).matches()
        || oldPublicKey != null && !PUBLIC_KEY.matcher(oldPublicKey).matches()) {
      throw new HostUnreachableException("login key rotation: a user or public key hostops cannot pass on", null);
    }
    HostConnection proven = tryLogin(desired, timeout);
    if (proven == null) {
      // step 1: add the new public key, logged in with the old one
      Manifest add = step(Record.ADD, desired.user(), newKey, Audit.loginKey(resource, "added " + newPrint + " to "
          + desired.user() + "'s authorized_keys" + (oldPrint == null ? "" : " (logged in with " + oldPrint + ")")));
      boolean added = false;
      if (old != null) {
        HostConnection c = tryLogin(old, timeout);
        if (c != null) {
          try (c) {
            check(c.run(HostProgram.Job.LOGINKEY, add, timeout), "adding the new public key");
            added = true;
          }
        }
      }
      if (!added && live != null) {
        try {
          live.with(c -> check(c.run(HostProgram.Job.LOGINKEY, add, timeout), "adding the new public key"));
          added = true;
        } catch (HostException e) {
          // no live connection, or it died: said below
        }
      }
      if (!added) {
        throw new KeyNotAuthorizedException("neither the login key " + newPrint + " (spec.sshKeySecretRef) nor the one"
            + " before it" + (oldPrint != null ? " " + oldPrint : "") + (old == null ? " (no Secret holds it any more, and"
            + " no connection made with it is open)" : "")
            + " logs in as " + desired.user() + " on " + desired.endpoint()
            + "; add the new public key to that user's authorized_keys by hand", newPrint);
      }
      afterStep.accept(1);
      // step 2: a fresh login with the new key
      proven = tryLogin(desired, timeout);
      if (proven == null) {
        throw new KeyNotAuthorizedException("the login key " + newPrint + " was added to " + desired.user()
            + "'s authorized_keys on " + desired.endpoint() + " but sshd refuses it; the old key stays authorized", newPrint);
      }
      afterStep.accept(2);
    }
    // step 3: the old public key goes, logged in with the new one
    try (HostConnection c = proven) {
      if (oldPublicKey != null && !oldPublicKey.equals(newKey)) {
        check(c.run(HostProgram.Job.LOGINKEY, step(Record.REMOVE, desired.user(), oldPublicKey, Audit.loginKey(resource,
            "removed " + publicFingerprint(oldPublicKey) + " from " + desired.user() + "'s authorized_keys after a login"
            + " with " + newPrint)), timeout), "removing the old public key");
      }
    }
    afterStep.accept(3);
    return new Outcome(newPrint, newKey, "login key rotated on " + desired.endpoint() + " for " + desired.user() + ": "
        + (oldPrint != null ? oldPrint : "the previous key") + " → " + newPrint + " (the old public key removed from"
        + " authorized_keys after a login with the new one)");
  }

  /** SHA256:… of a public key given as type and base64. */
  static String publicFingerprint(String publicKey) {
    try {
      byte[] blob = Base64.getDecoder().decode(publicKey.substring(publicKey.indexOf(' ') + 1));
      return "SHA256:" + Base64.getEncoder().withoutPadding()
          .encodeToString(MessageDigest.getInstance("SHA-256").digest(blob));
    } catch (Exception e) {
      return null;
    }
  }

  /** A fresh connection with this target's key, or null when sshd refuses the key. */
  static HostConnection tryLogin(SshTarget target, Duration timeout) throws HostUnreachableException {
    try {
      return HostConnection.open(target, timeout);
    } catch (HostUnreachableException e) {
      if (refused(e)) {
        return null;
      }
      throw e;
    }
  }

  /** Whether the server said no to the key (not: the host was unreachable). */
  public static boolean refused(HostUnreachableException e) {
    return e instanceof LoginRefusedException;
  }

  private static ExecResult check(ExecResult r, String what) throws HostUnreachableException {
    if (!r.ok()) {
      throw new HostUnreachableException("login key rotation: " + what + " failed: " + r.stderr().strip(), null);
    }
    return r;
  }

  /**
   * One step for the host program's loginkey job (host/loginkey.sh): the public key added to or removed from the
   * user's authorized_keys, and the audit line (only names and fingerprints) appended when that changed the file.
   */
  static Manifest step(Record kind, String user, String publicKey, String auditLine) {
    return new Manifest(HostProgram.Job.LOGINKEY).add(kind, user, publicKey).add(Record.AUDIT, auditLine);
  }
}
