package dev.hostops.reconcile;

import dev.hostops.api.EnvSource;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.ObjectName;
import dev.hostops.api.ServiceDirectory;
import dev.hostops.api.ServiceFile;
import dev.hostops.render.References;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/** Which Secrets and ConfigMaps a HostService refers to, and their data from the informer caches. */
public final class ServiceReferences {
  private ServiceReferences() {}

  public static Set<String> secretNames(HostService service) {
    Set<String> names = new LinkedHashSet<>();
    HostServiceSpec spec = service.getSpec();
    if (spec == null) {
      return names;
    }
    for (ServiceFile f : spec.orEmpty(spec.files)) {
      if (f != null && f.secretRef != null) {
        names.add(f.secretRef.name);
      }
    }
    for (EnvSource e : spec.orEmpty(spec.envFrom)) {
      if (e != null && e.secretRef != null) {
        names.add(e.secretRef.name);
      }
    }
    for (ServiceDirectory d : spec.orEmpty(spec.directories)) {
      if (d != null && d.secretRef != null) {
        names.add(d.secretRef.name);
      }
    }
    for (ObjectName p : spec.orEmpty(spec.imagePullSecrets)) {
      if (p != null && p.name != null) {
        names.add(p.name);
      }
    }
    return names;
  }

  public static Set<String> configMapNames(HostService service) {
    Set<String> names = new LinkedHashSet<>();
    HostServiceSpec spec = service.getSpec();
    if (spec == null) {
      return names;
    }
    for (ServiceFile f : spec.orEmpty(spec.files)) {
      if (f != null && f.configMapRef != null) {
        names.add(f.configMapRef.name);
      }
    }
    for (EnvSource e : spec.orEmpty(spec.envFrom)) {
      if (e != null && e.configMapRef != null) {
        names.add(e.configMapRef.name);
      }
    }
    for (ServiceDirectory d : spec.orEmpty(spec.directories)) {
      if (d != null && d.configMapRef != null) {
        names.add(d.configMapRef.name);
      }
    }
    if (spec.compose != null && spec.compose.configMapRef != null) {
      names.add(spec.compose.configMapRef.name);
    }
    return names;
  }

  /** The image pull Secrets a Host names for every service on it. */
  public static List<String> hostPullSecretNames(Host host) {
    if (host == null || host.getSpec() == null || host.getSpec().imagePullSecrets == null) {
      return List.of();
    }
    return host.getSpec().imagePullSecrets.stream().filter(p -> p != null && p.name != null).map(p -> p.name).toList();
  }

  /** The Secrets holding the SSH keys of a Host and of its bastion. */
  public static List<String> hostKeySecretNames(Host host) {
    if (host == null || host.getSpec() == null) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    if (host.getSpec().sshKeySecretRef != null && host.getSpec().sshKeySecretRef.name != null) {
      names.add(host.getSpec().sshKeySecretRef.name);
    }
    var jump = host.getSpec().proxyJump;
    if (jump != null && jump.sshKeySecretRef != null && jump.sshKeySecretRef.name != null) {
      names.add(jump.sshKeySecretRef.name);
    }
    return names;
  }

  /** @param hostSecrets Secrets the target Hosts add (their default image pull Secrets) */
  static References resolve(HostService service, Collection<String> hostSecrets,
                            Function<String, Optional<Secret>> secrets, Function<String, Optional<ConfigMap>> configMaps) {
    Map<String, Map<String, byte[]>> s = new HashMap<>();
    Map<String, String> types = new HashMap<>();
    Set<String> names = secretNames(service);
    names.addAll(hostSecrets);
    for (String name : names) {
      secrets.apply(name).ifPresent(secret -> {
        s.put(name, secretData(secret));
        if (secret.getType() != null) {
          types.put(name, secret.getType());
        }
      });
    }
    Map<String, Map<String, byte[]>> c = new HashMap<>();
    for (String name : configMapNames(service)) {
      configMaps.apply(name).ifPresent(cm -> c.put(name, configMapData(cm)));
    }
    return new References(s, c, types);
  }

  /** A Secret's data and stringData, decoded. */
  public static Map<String, byte[]> secretData(Secret secret) {
    Map<String, byte[]> data = new HashMap<>();
    if (secret.getData() != null) {
      secret.getData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    if (secret.getStringData() != null) {
      secret.getStringData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    return data;
  }

  /** A ConfigMap's data and binaryData. */
  public static Map<String, byte[]> configMapData(ConfigMap cm) {
    Map<String, byte[]> data = new HashMap<>();
    if (cm.getData() != null) {
      cm.getData().forEach((k, v) -> data.put(k, v.getBytes(StandardCharsets.UTF_8)));
    }
    if (cm.getBinaryData() != null) {
      cm.getBinaryData().forEach((k, v) -> data.put(k, Base64.getDecoder().decode(v)));
    }
    return data;
  }
}
