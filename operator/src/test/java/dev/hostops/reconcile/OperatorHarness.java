package dev.hostops.reconcile;

import dev.hostops.HostopsOperator;
import dev.hostops.OperatorConfig;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.HostSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.Fixtures;
import dev.hostops.testhosts.KubeApi;
import dev.hostops.testhosts.TestHost;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The operator against a real API server (kube-apiserver + etcd, the generated CRDs installed),
 * running as the Helm chart's ServiceAccount under the chart's own cluster-wide RBAC, and real
 * test hosts registered as Host resources. Tests act as the cluster's administrator ({@link #client}).
 */
public final class OperatorHarness implements AutoCloseable {
  public static final String NS = "team";
  static final String OPERATOR_NS = "hostops-system";
  static final String LOKI_URL = "http://loki.test:3100/loki/api/v1/push";
  public final KubeApi api;
  /** The administrator's client: what a user's kubectl does. */
  public final KubernetesClient client;
  /** The operator's own client: the chart's ServiceAccount, nothing more. */
  final KubernetesClient operatorClient;
  HostopsOperator operator;
  private final OperatorConfig config;

  final int metricsPort;

  public OperatorHarness(Duration resync, Duration sshTimeout) throws Exception {
    this(resync, sshTimeout, -1);
  }

  /** @param metricsPort 0 for a free port, -1 for no metrics endpoint */
  OperatorHarness(Duration resync, Duration sshTimeout, int metricsPort) throws Exception {
    this(KubeApi.start(), Set.of(), resync, sshTimeout, metricsPort);
  }

  /**
   * @param watch namespaces the operator watches, as the chart's {@code watchNamespaces} (a Role in
   *              each); empty for cluster-wide (a ClusterRole)
   */
  OperatorHarness(KubeApi api, Set<String> watch, Duration resync, Duration sshTimeout, int metricsPort) {
    this.api = api;
    client = api.admin();
    api.namespace(NS);
    api.namespace(OPERATOR_NS);
    watch.forEach(api::namespace);
    List<String> sets = new java.util.ArrayList<>();
    int i = 0;
    for (String ns : new java.util.TreeSet<>(watch)) {
      sets.add("watchNamespaces[" + i++ + "]");
      sets.add(ns);
    }
    List<HasMetadata> rbac = Chart.rbac(OPERATOR_NS, sets.toArray(String[]::new));
    api.apply(rbac);
    operatorClient = api.clientAs(OPERATOR_NS, Chart.serviceAccount(rbac));
    config = new OperatorConfig(resync, sshTimeout, 8, watch, LOKI_URL, metricsPort, null);
    // the test registries speak plain HTTP, as the hosts' daemon.json lets them (insecure-registries)
    System.setProperty("hostops.insecureRegistries", dev.hostops.testhosts.Registry.INSECURE);
    operator = new HostopsOperator(operatorClient, config);
    this.metricsPort = operator.start();
  }

  public Host addHost(TestHost testHost, String name, String user, Map<String, String> labels) {
    return addHost(testHost, name, user, labels, testHost.port());
  }

  /** A Host reached through a proxy on 127.0.0.1:{@code port} (same host key), e.g. to survive a reboot. */
  Host addHost(TestHost testHost, String name, String user, Map<String, String> labels, int port) {
    client.secrets().inNamespace(NS).resource(new SecretBuilder()
        .withNewMetadata().withName(name + "-key").withNamespace(NS).endMetadata()
        .withType("kubernetes.io/ssh-auth")
        .addToStringData("ssh-privatekey", testHost.privateKey())
        .build()).createOr(r -> r.update());
    Host host = new Host();
    host.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withLabels(labels).build());
    host.setSpec(new HostSpec());
    host.getSpec().address = testHost.address();
    host.getSpec().port = port;
    host.getSpec().user = user;
    host.getSpec().sshKeySecretRef = new SecretKeyRef(name + "-key", "ssh-privatekey");
    host.getSpec().knownHosts = testHost.through(port, user).knownHosts();
    return client.resource(host).create();
  }

  public static HostService service(String name, String image, String... hosts) {
    return Fixtures.service(NS, name, image, hosts);
  }

  void secret(String name, Map<String, String> data) {
    client.secrets().inNamespace(NS).resource(new SecretBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withData(data.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey,
            e -> java.util.Base64.getEncoder().encodeToString(e.getValue().getBytes(java.nio.charset.StandardCharsets.UTF_8)))))
        .build()).createOr(r -> r.update());
  }

  void configMap(String name, Map<String, String> data) {
    client.configMaps().inNamespace(NS).resource(new io.fabric8.kubernetes.api.model.ConfigMapBuilder()
        .withNewMetadata().withName(name).withNamespace(NS).endMetadata()
        .withData(data).build()).createOr(r -> r.update());
  }

  public HostService create(HostService s) {
    return client.resource(s).create();
  }

  /** Changes the spec as a user's {@code kubectl edit} does; retried when a status write came in between. */
  void edit(String name, java.util.function.Consumer<HostService> change) {
    updateRetried(() -> get(name), change);
  }

  /**
   * Changes a Host's spec as {@code kubectl edit} does; retried when the operator wrote in between (its
   * finalizer is added at the first reconcile, its status at every probe).
   */
  void editHost(String name, java.util.function.Consumer<Host> change) {
    updateRetried(() -> host(name), change);
  }

  /** Reads, changes and updates a resource; read and changed anew when another writer came in between (409). */
  private <T extends HasMetadata> void updateRetried(java.util.function.Supplier<T> read,
                                                     java.util.function.Consumer<T> change) {
    for (int attempt = 1; ; attempt++) {
      T r = read.get();
      change.accept(r);
      try {
        client.resource(r).update();
        return;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
  }

  void delete(String name) {
    client.resource(get(name)).delete();
  }

  /** Waits until the service is Ready for its current generation, and returns it. */
  public HostService awaitReady(String name, Duration timeout) {
    Await.until(timeout, () -> ready(get(name)), () -> describe(get(name)));
    return get(name);
  }

  static dev.hostops.api.ServiceOnHost on(HostService s, String host) {
    return s.getStatus().hosts.stream().filter(h -> host.equals(h.host)).findFirst().orElseThrow();
  }

  /** Messages of the Events about a resource with this reason, oldest first. */
  List<String> events(String name, String reason) {
    return client.v1().events().inNamespace(NS).list().getItems().stream()
        .filter(e -> name.equals(e.getInvolvedObject().getName()) && reason.equals(e.getReason()))
        .sorted(java.util.Comparator.comparing(io.fabric8.kubernetes.api.model.Event::getFirstTimestamp))
        .map(io.fabric8.kubernetes.api.model.Event::getMessage).toList();
  }

  public HostService get(String name) {
    return client.resources(HostService.class).inNamespace(NS).withName(name).get();
  }

  Host host(String name) {
    return client.resources(Host.class).inNamespace(NS).withName(name).get();
  }

  static String condition(HostService s, String type) {
    if (s == null || s.getStatus() == null) {
      return null;
    }
    return s.getStatus().conditions.stream().filter(c -> type.equals(c.type)).map(c -> c.status).findFirst()
        .orElse(null);
  }

  static boolean ready(HostService s) {
    return s != null && s.getStatus() != null
        && s.getMetadata().getGeneration().equals(s.getStatus().observedGeneration)
        && "True".equals(condition(s, "Ready"));
  }

  public static String describe(Object o) {
    return o == null ? "null" : io.fabric8.kubernetes.client.utils.Serialization.asYaml(o);
  }

  /** Stops the operator wherever it is and starts a new one, as a crashed and rescheduled pod would. */
  void restartOperator() {
    operator.close();
    operator = new HostopsOperator(operatorClient, config);
    operator.start();
  }

  @Override
  public void close() {
    operator.close();
    api.close();
  }
}
