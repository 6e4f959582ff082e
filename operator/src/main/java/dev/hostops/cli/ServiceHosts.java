package dev.hostops.cli;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.ServiceOnHost;
import dev.hostops.reconcile.HostSelection;
import dev.hostops.reconcile.HostTargets;
import dev.hostops.ssh.SshTarget;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.util.ArrayList;
import java.util.List;

/**
 * A HostService and the hosts it runs on, each as an SSH target, read with the caller's rights: the
 * service, its Hosts and their key Secrets. Every check a user's mistake can fail is made here, before any
 * host is contacted.
 */
record ServiceHosts(HostService service, List<Target> targets) {

  /** One host of the service: the Host's name, how to reach it, and what the operator last saw there. */
  record Target(String name, SshTarget ssh, ServiceOnHost seen) {}

  /**
   * @param host         only this Host (it must be one of the service's)
   * @param needsRunning each chosen host must have the container running (exec), as the operator last saw
   */
  static ServiceHosts resolve(KubernetesClient client, String namespace, String name, String host, boolean needsRunning)
      throws UsageException {
    HostService service = client.resources(HostService.class).inNamespace(namespace).withName(name).get();
    if (service == null) {
      throw new UsageException("no HostService '" + name + "' in namespace " + namespace);
    }
    List<String> names = hostNames(client, namespace, service);
    if (host != null && !names.contains(host)) {
      throw new UsageException("Host '" + host + "' is not among the hosts of " + name + " ("
          + (names.isEmpty() ? "none" : String.join(", ", names)) + ")");
    }
    List<String> chosen = host != null ? List.of(host) : names;
    if (chosen.isEmpty()) {
      throw new UsageException(name + " runs on no Host");
    }
    if (needsRunning) {
      if (service.getSpec().compose != null) {
        throw new UsageException(name + " is a compose project: exec into one of its containers with docker compose on the host");
      }
      List<String> running = chosen.stream().filter(h -> "running".equals(seen(service, h) == null ? null
          : seen(service, h).container)).toList();
      if (running.isEmpty()) {
        throw new UsageException("no container of " + name + " running on " + String.join(", ", chosen)
            + " (as hostops last saw: " + String.join(", ", chosen.stream().map(h -> h + " " + (seen(service, h) == null
            ? "not yet seen" : String.valueOf(seen(service, h).container))).toList()) + ")");
      }
      chosen = List.of(running.get(0));
    }
    List<Target> targets = new ArrayList<>();
    for (String h : chosen) {
      Host resource = client.resources(Host.class).inNamespace(namespace).withName(h).get();
      if (resource == null) {
        throw new UsageException("Host '" + h + "' of " + name + " does not exist in namespace " + namespace);
      }
      SshTarget ssh;
      try {
        ssh = HostTargets.resolve(resource, secret -> client.secrets().inNamespace(namespace).withName(secret).get());
      } catch (HostTargets.InvalidHostException e) {
        throw new UsageException("Host " + h + ": " + e.getMessage());
      }
      targets.add(new Target(h, ssh, seen(service, h)));
    }
    return new ServiceHosts(service, targets);
  }

  /** The service's hosts: spec.hosts, then the Hosts its selector matches (listed only when it has one). */
  static List<String> hostNames(KubernetesClient client, String namespace, HostService service) {
    List<String> names = new ArrayList<>(service.getSpec().hostsOrEmpty());
    if (service.getSpec().hostSelector != null) {
      client.resources(Host.class).inNamespace(namespace).list().getItems().stream()
          .filter(h -> HostSelection.targets(service, h)).map(h -> h.getMetadata().getName())
          .filter(n -> !names.contains(n)).sorted().forEach(names::add);
    }
    return names;
  }

  static ServiceOnHost seen(HostService service, String host) {
    if (service.getStatus() == null || service.getStatus().hosts == null) {
      return null;
    }
    return service.getStatus().hosts.stream().filter(s -> host.equals(s.host)).findFirst().orElse(null);
  }
}
