package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostSpec;
import dev.hostops.api.ProxyJumpSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.ssh.LoginKey;
import dev.hostops.ssh.SshTarget;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiFunction;
import java.util.function.Function;

/**
 * Turns a Host resource and its key Secrets (its own, and its bastion's) into an {@link SshTarget}, or says clearly why not. In the
 * operator the Secret comes from the informer cache the HostService controller keeps (no GET per
 * reconcile, and hosts keep being worked while the API server is away); a GET is made only when the
 * cache does not hold it (not synced yet, or the command line without informers).
 */
public final class HostTargets {
  private final KubernetesClient client;
  private volatile BiFunction<String, String, Optional<Secret>> cache = (ns, name) -> Optional.empty();

  public HostTargets(KubernetesClient client) {
    this.client = client;
  }

  KubernetesClient client() {
    return client;
  }

  /** Reads Secrets from this cache first (namespace, name). */
  void useCache(BiFunction<String, String, Optional<Secret>> cache) {
    this.cache = cache;
  }

  /** A Host that cannot be used as it is; the message names the field and never quotes a secret. */
  public static final class InvalidHostException extends Exception {
    /** Why the Host cannot be used; the message says it to people. */
    public enum Reason { INVALID_SPEC, SECRET_NOT_FOUND, SECRET_UNUSABLE }

    private final Reason reason;

    public InvalidHostException(Reason reason, String message) {
      super(message);
      this.reason = reason;
    }

    public Reason reason() {
      return reason;
    }
  }

  public SshTarget resolve(Host host) throws InvalidHostException {
    String ns = host.getMetadata().getNamespace();
    SshTarget target = resolve(host, name -> cache.apply(ns, name).orElseGet(() -> client.secrets().inNamespace(ns)
        .withName(name).get()));
    if (host.getMetadata().getUid() != null) {
      lastResolved.put(host.getMetadata().getUid(), target);
    }
    return target;
  }

  /**
   * The last target each Host resolved to in this process, by the Host's uid: what a service's finalizer uses
   * when the key Secret was deleted together with it ({@code kubectl delete -f dir/}, an Argo CD Application
   * deleted with cascade). hostops may only read Secrets, so it cannot hold them back; it keeps what it read.
   */
  private final Map<String, SshTarget> lastResolved = new ConcurrentHashMap<>();

  /**
   * As {@link #resolve(Host)}, for taking a service off a host: when the Host's key Secret is gone, the target
   * it last resolved to in this process (an operator restarted since has none: then the Secret's absence is
   * the answer, and the finalizer says so).
   */
  public SshTarget resolveToClean(Host host) throws InvalidHostException {
    try {
      return resolve(host);
    } catch (InvalidHostException e) {
      SshTarget last = host.getMetadata().getUid() == null ? null : lastResolved.get(host.getMetadata().getUid());
      if (last == null) {
        throw e;
      }
      return last;
    }
  }

  /** Drops what {@link #resolve(Host)} kept of a Host that is gone. */
  void forget(Host host) {
    if (host.getMetadata().getUid() != null) {
      lastResolved.remove(host.getMetadata().getUid());
    }
  }

  /**
   * The Host's target with the private key {@code ref} names instead (the login key before a rotation), or
   * null when that Secret or key is gone or no longer holds the key of {@code fingerprint}.
   */
  public SshTarget withKey(Host host, SshTarget target, SecretKeyRef ref, String fingerprint) {
    if (ref == null || ref.name == null) {
      return null;
    }
    String ns = host.getMetadata().getNamespace();
    try {
      String value = privateKey(host, "status.loginKey.secretRef", ref, name -> cache.apply(ns, name)
          .orElseGet(() -> client.secrets().inNamespace(ns).withName(name).get()));
      if (!LoginKey.fingerprint(value).equals(fingerprint)) {
        return null;
      }
      return new SshTarget(target.address(), target.port(), target.user(), value, target.knownHosts(), target.proxyJump());
    } catch (InvalidHostException | RuntimeException e) {
      return null;
    }
  }

  /**
   * The same from a Host and its key Secrets at hand (read from manifests, say): {@code secrets} gives the
   * Secret of that name in the Host's namespace, or null; a missing Secret is refused.
   */
  public static SshTarget resolve(Host host, Function<String, Secret> secrets) throws InvalidHostException {
    List<String> problems = HostValidation.problems(host);
    if (!problems.isEmpty()) {
      throw new InvalidHostException(InvalidHostException.Reason.INVALID_SPEC, String.join("; ", problems));
    }
    HostSpec spec = host.getSpec();
    SshTarget target = new SshTarget(spec.address, spec.port == 0 ? 22 : spec.port,
        spec.user == null ? "root" : spec.user, privateKey(host, "spec.sshKeySecretRef", spec.sshKeySecretRef, secrets),
        spec.knownHosts);
    ProxyJumpSpec jump = spec.proxyJump;
    if (jump == null) {
      return target;
    }
    return target.via(new SshTarget(jump.address, jump.port == 0 ? 22 : jump.port, jump.user == null ? "root" : jump.user,
        privateKey(host, "spec.proxyJump.sshKeySecretRef", jump.sshKeySecretRef, secrets), jump.knownHosts));
  }

  /** The private key a Secret reference names; the message names the field, never the value. */
  private static String privateKey(Host host, String field, SecretKeyRef ref, Function<String, Secret> secrets)
      throws InvalidHostException {
    String ns = host.getMetadata().getNamespace();
    String key = ref.key == null ? "ssh-privatekey" : ref.key;
    Secret secret = secrets.apply(ref.name);
    if (secret == null) {
      throw new InvalidHostException(InvalidHostException.Reason.SECRET_NOT_FOUND,
          field + ": Secret " + ns + "/" + ref.name + " not found");
    }
    byte[] bytes = ServiceReferences.secretData(secret).get(key);
    String value = bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    if (value == null || value.isBlank()) {
      throw new InvalidHostException(InvalidHostException.Reason.SECRET_UNUSABLE,
          field + ": Secret " + ns + "/" + ref.name + " has no key '" + key + "'");
    }
    String problem = LoginKey.problem(value);
    if (problem != null) {
      throw new InvalidHostException(InvalidHostException.Reason.SECRET_UNUSABLE,
          field + ": Secret " + ns + "/" + ref.name + " key '" + key + "' " + problem
          + "; nothing is sent to the host until it holds one");
    }
    return value;
  }

  public static String key(Host host) {
    return host.getMetadata().getNamespace() + "/" + host.getMetadata().getName();
  }
}
