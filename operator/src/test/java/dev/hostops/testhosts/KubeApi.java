package dev.hostops.testhosts;

import io.fabric8.kubeapitest.KubeAPIServer;
import io.fabric8.kubeapitest.KubeAPIServerConfigBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.ServiceAccountBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.authentication.TokenRequestBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real Kubernetes API server (kube-apiserver + etcd, RBAC on, no kubelet) for a test class,
 * started by fabric8's kube-api-test from the binaries {@code testhosts/controlplane build} made,
 * with hostops' generated CRDs installed and established. kubectl reaches it through
 * {@link #kubeconfig()}.
 */
public final class KubeApi implements AutoCloseable {
  private static final String VERSION = version();
  /** The committed CRDs, as users install them (CrdDriftTest keeps them equal to the model). */
  private static final List<String> CRDS = List.of("hosts.hostops.dev.yaml", "hostservices.hostops.dev.yaml",
      "logscrapes.hostops.dev.yaml");

  /** How long etcd and the API server each get to start (kube-api-test's own default). */
  private static final Duration STARTUP_BOUND = Duration.ofSeconds(60);

  private final KubeAPIServer server;
  private final KubernetesClient admin;
  private final Path kubeconfig;
  private final List<KubernetesClient> clients = new ArrayList<>();

  /** The release testhosts/controlplane builds: one place names it. */
  private static String version() {
    String script = System.getProperty("hostops.controlplane", "../testhosts/controlplane");
    try {
      Process p = new ProcessBuilder(script, "version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).trim();
      if (p.waitFor() != 0 || !out.matches("\\d+\\.\\d+\\.\\d+")) {
        throw new IllegalStateException(script + " version: " + out);
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private KubeApi(KubeAPIServer server, String kubeconfigYaml) throws IOException {
    this.server = server;
    this.kubeconfig = Files.createTempFile(Path.of("target"), "kubeconfig-", ".yaml").toAbsolutePath();
    Files.writeString(kubeconfig, kubeconfigYaml);
    this.admin = new KubernetesClientBuilder().withConfig(Config.fromKubeconfig(kubeconfigYaml)).build();
  }

  /** Starts a server and installs the CRDs; about five seconds. */
  public static KubeApi start() {
    return start(true);
  }

  /** Starts a server, with or without hostops' CRDs (a Helm install brings its own). */
  public static KubeApi start(boolean crds) {
    waitOutMidnight();
    KubeAPIServer server = new KubeAPIServer(KubeAPIServerConfigBuilder.anAPIServerConfig()
        .withApiServerVersion(VERSION)
        .withOfflineMode(true) // nothing may be downloaded here: testhosts/controlplane build made the binaries
        .withUpdateKubeConfig(false)
        .withStartupTimeout((int) STARTUP_BOUND.toMillis())
        .build());
    try {
      server.start();
    } catch (RuntimeException e) {
      throw new IllegalStateException("could not start kube-apiserver " + VERSION
          + " (run testhosts/controlplane build, which bin/test does): " + e.getMessage(), e);
    }
    try {
      KubeApi api = new KubeApi(server, server.getKubeConfigYaml());
      if (crds) {
        api.installCrds();
      }
      return api;
    } catch (IOException e) {
      server.stop();
      throw new UncheckedIOException(e);
    }
  }

  /**
   * kube-api-test 7.5.2 measures its start-up deadline on {@link LocalTime}, which wraps at
   * midnight: a server started in the last minute of a day "times out" at once (the CI run of
   * 2026-12-07 lost six test classes between 23:59:24 and 23:59:57). Starting after midnight
   * instead costs at most three minutes once a day.
   */
  private static void waitOutMidnight() {
    LocalTime now = LocalTime.now();
    if (now.isAfter(LocalTime.MAX.minus(STARTUP_BOUND.multipliedBy(3)))) { // etcd, then the API server
      long ms = Duration.between(now, LocalTime.MAX).toMillis() + 2_000;
      try {
        Thread.sleep(ms);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }

  private void installCrds() throws IOException {
    for (String crd : CRDS) {
      try (InputStream in = Files.newInputStream(Path.of("../crds", crd))) {
        CustomResourceDefinition d = admin.getKubernetesSerialization().unmarshal(in, CustomResourceDefinition.class);
        admin.apiextensions().v1().customResourceDefinitions().resource(d).serverSideApply();
        admin.apiextensions().v1().customResourceDefinitions().withName(d.getMetadata().getName())
            .waitUntilCondition(c -> c != null && c.getStatus() != null && c.getStatus().getConditions() != null && c.getStatus().getConditions().stream()
                .anyMatch(x -> "Established".equals(x.getType()) && "True".equals(x.getStatus())), 30, TimeUnit.SECONDS);
      }
    }
  }

  /** A client with cluster-admin rights (system:masters), as the person installing hostops has. */
  public KubernetesClient admin() {
    return admin;
  }

  /** A kubeconfig file for kubectl, as the cluster's administrator. */
  public Path kubeconfig() {
    return kubeconfig;
  }

  /** The port the API server listens on (127.0.0.1). */
  public int port() {
    return admin.getMasterUrl().getPort();
  }

  /** Creates the namespace unless it exists. */
  public void namespace(String name) {
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(name).endMetadata().build())
        .serverSideApply();
  }

  /** Applies the objects (server-side apply, as {@code kubectl apply --server-side} does). */
  public void apply(List<HasMetadata> objects) {
    for (HasMetadata o : objects) {
      admin.resource(o).forceConflicts().serverSideApply();
    }
  }

  /**
   * A client that authenticates as the ServiceAccount, with a token from the TokenRequest API: only
   * what RBAC grants that account is allowed.
   */
  public KubernetesClient clientAs(String namespace, String serviceAccount) {
    return clientAs(namespace, serviceAccount, admin.getConfiguration().getMasterUrl());
  }

  /** As {@link #clientAs(String, String)}, reaching the server at another URL (a proxy in front of it). */
  public KubernetesClient clientAs(String namespace, String serviceAccount, String masterUrl) {
    namespace(namespace);
    admin.serviceAccounts().inNamespace(namespace).resource(new ServiceAccountBuilder().withNewMetadata()
        .withName(serviceAccount).withNamespace(namespace).endMetadata().build()).serverSideApply();
    String token = admin.serviceAccounts().inNamespace(namespace).withName(serviceAccount)
        .tokenRequest(new TokenRequestBuilder().withNewSpec().withExpirationSeconds(Duration.ofHours(2).toSeconds())
            .endSpec().build())
        .getStatus().getToken();
    Config base = admin.getConfiguration();
    Config config = new ConfigBuilder(Config.empty())
        .withMasterUrl(masterUrl)
        .withCaCertData(base.getCaCertData())
        .withCaCertFile(base.getCaCertFile())
        .withOauthToken(token)
        .withNamespace(namespace)
        .build();
    KubernetesClient client = new KubernetesClientBuilder().withConfig(config).build();
    synchronized (clients) {
      clients.add(client);
    }
    return client;
  }

  private static final java.util.regex.Pattern REQUESTS = java.util.regex.Pattern.compile(
      "^apiserver_request_total\\{(.*)\\} ([0-9.e+]+)$", java.util.regex.Pattern.MULTILINE);

  /**
   * Write requests (create, update, patch, apply, delete) the API server has served for hostops'
   * resources, their status, and Events, from its own {@code apiserver_request_total} counter.
   */
  public long writeRequests() {
    String metrics = admin.raw("/metrics");
    long total = 0;
    var m = REQUESTS.matcher(metrics);
    while (m.find()) {
      String labels = m.group(1);
      boolean write = labels.matches(".*verb=\"(POST|PUT|PATCH|APPLY|DELETE)\".*");
      boolean ours = labels.contains("group=\"hostops.dev\"") || labels.contains("resource=\"events\"");
      if (write && ours) {
        total += (long) Double.parseDouble(m.group(2));
      }
    }
    return total;
  }

  /** A kubeconfig file that authenticates as the ServiceAccount (for processes the test starts). */
  public Path kubeconfigAs(String namespace, String serviceAccount) {
    KubernetesClient client = clientAs(namespace, serviceAccount);
    Config c = client.getConfiguration();
    String ca = c.getCaCertData() != null ? c.getCaCertData()
        : java.util.Base64.getEncoder().encodeToString(readAll(Path.of(c.getCaCertFile())));
    String yaml = """
        apiVersion: v1
        kind: Config
        clusters:
        - name: test
          cluster: {server: "%s", certificate-authority-data: "%s"}
        users:
        - name: %s
          user: {token: "%s"}
        contexts:
        - name: test
          context: {cluster: test, user: %s, namespace: %s}
        current-context: test
        """.formatted(c.getMasterUrl(), ca, serviceAccount, c.getOauthToken(), serviceAccount, namespace);
    try {
      Path file = Files.createTempFile(Path.of("target"), "kubeconfig-" + serviceAccount + "-", ".yaml").toAbsolutePath();
      Files.writeString(file, yaml);
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] readAll(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    synchronized (clients) {
      clients.forEach(KubernetesClient::close);
    }
    admin.close();
    server.stop();
    try {
      Files.deleteIfExists(kubeconfig);
    } catch (IOException ignored) {
      // a temp file under target/
    }
  }
}
