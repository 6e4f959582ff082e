package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.HostSpec;
import dev.hostops.host.SshTarget;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * Turns a Host resource and its key Secret into an {@link SshTarget}, or says clearly why not. In the
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
    public InvalidHostException(String message) {
      super(message);
    }
  }

  public SshTarget resolve(Host host) throws InvalidHostException {
    List<String> problems = HostValidation.problems(host);
    if (!problems.isEmpty()) {
      throw new InvalidHostException(String.join("; ", problems));
    }
    String ns = host.getMetadata().getNamespace();
    String name = host.getSpec().sshKeySecretRef.name;
    return resolve(host, cache.apply(ns, name).orElseGet(() -> client.secrets().inNamespace(ns).withName(name).get()));
  }

  /** The same from a Host and its key Secret at hand (read from manifests, say); a missing Secret is refused. */
  public static SshTarget resolve(Host host, Secret secret) throws InvalidHostException {
    List<String> problems = HostValidation.problems(host);
    if (!problems.isEmpty()) {
      throw new InvalidHostException(String.join("; ", problems));
    }
    HostSpec spec = host.getSpec();
    String ns = host.getMetadata().getNamespace();
    String key = spec.sshKeySecretRef.key == null ? "ssh-privatekey" : spec.sshKeySecretRef.key;
    if (secret == null) {
      throw new InvalidHostException("spec.sshKeySecretRef: Secret " + ns + "/" + spec.sshKeySecretRef.name
          + " not found");
    }
    byte[] bytes = ServiceReferences.secretData(secret).get(key);
    String value = bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
    if (value == null || value.isBlank()) {
      throw new InvalidHostException("spec.sshKeySecretRef: Secret " + ns + "/" + spec.sshKeySecretRef.name
          + " has no key '" + key + "'");
    }
    return new SshTarget(spec.address, spec.port == 0 ? 22 : spec.port, spec.user == null ? "root" : spec.user,
        value, spec.knownHosts);
  }

  public static String key(Host host) {
    return host.getMetadata().getNamespace() + "/" + host.getMetadata().getName();
  }
}
