package dev.hostops.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.LintResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** The Helm chart, linted and rendered with helm-java (Helm itself, as a native library). */
class HelmChartTest {
  private static final Path CHART = Path.of("../charts/hostops");

  private static List<JsonNode> render(String... sets) throws Exception {
    return renderAs("hostops", sets);
  }

  private static List<JsonNode> renderAs(String release, String... sets) throws Exception {
    var template = new Helm(CHART).template().withName(release).withNamespace("ops");
    for (int i = 0; i < sets.length; i += 2) {
      template.set(sets[i], sets[i + 1]);
    }
    String yaml = template.call();
    List<JsonNode> docs = new ArrayList<>();
    try (MappingIterator<JsonNode> it = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
      while (it.hasNext()) {
        JsonNode d = it.next();
        if (d != null && !d.isEmpty()) {
          docs.add(d);
        }
      }
    }
    return docs;
  }

  private static List<JsonNode> kind(List<JsonNode> docs, String kind) {
    return docs.stream().filter(d -> kind.equals(d.path("kind").asText())).toList();
  }

  @Test
  void lintsClean() {
    LintResult result = new Helm(CHART).lint().strict().call();
    assertFalse(result.isFailed(), String.join("\n", result.getMessages()));
  }

  @Test
  void deploymentIsLockedDownAndProbed() throws Exception {
    JsonNode deployment = kind(render(), "Deployment").get(0);
    JsonNode pod = deployment.path("spec").path("template").path("spec");
    JsonNode container = pod.path("containers").get(0);
    assertTrue(pod.path("securityContext").path("runAsNonRoot").asBoolean());
    assertEquals("RuntimeDefault", pod.path("securityContext").path("seccompProfile").path("type").asText());
    JsonNode sc = container.path("securityContext");
    assertTrue(sc.path("readOnlyRootFilesystem").asBoolean());
    assertFalse(sc.path("allowPrivilegeEscalation").asBoolean(true));
    assertEquals("ALL", sc.path("capabilities").path("drop").get(0).asText());
    assertEquals("/healthz", container.path("livenessProbe").path("httpGet").path("path").asText());
    assertEquals("/readyz", container.path("readinessProbe").path("httpGet").path("path").asText());
    assertTrue(container.path("resources").path("requests").has("memory"));
    assertEquals("ghcr.io/hostops/hostops:0.1.0", container.path("image").asText());
    assertTrue(container.path("env").toString().contains("\"HOSTOPS_LEADER_ELECTION\",\"value\":\"true\""));
  }

  @Test
  void releasesOfDifferentShardsHaveTheirOwnLeaseAndSelection() throws Exception {
    for (String[] release : new String[][] {{"hostops", ""}, {"hostops-a", "a"}, {"hostops-b", "b"}}) {
      List<JsonNode> docs = release[1].isEmpty() ? renderAs(release[0]) : renderAs(release[0], "shard", release[1]);
      JsonNode env = kind(docs, "Deployment").get(0).path("spec").path("template").path("spec").path("containers")
          .get(0).path("env");
      String shard = null;
      for (JsonNode e : env) {
        if ("HOSTOPS_SHARD".equals(e.path("name").asText())) {
          shard = e.path("value").asText();
        }
      }
      assertEquals(release[1], shard, "HOSTOPS_SHARD of release " + release[0]);
      JsonNode role = kind(docs, "Role").stream()
          .filter(r -> r.path("metadata").path("name").asText().endsWith("-leader-election")).findFirst().orElseThrow();
      List<String> leases = new ArrayList<>();
      role.path("rules").forEach(r -> r.path("resourceNames").forEach(n -> leases.add(n.asText())));
      // the name the operator itself uses for the Lease of that shard
      String expected = dev.hostops.reconcile.Shard.of(release[1]).leaseName();
      assertEquals(List.of(expected), leases, "Lease of release " + release[0]);
    }
    assertEquals("hostops-leader-a", dev.hostops.reconcile.Shard.of("a").leaseName());
    assertEquals("hostops-leader", dev.hostops.reconcile.Shard.of("").leaseName());
  }

  @Test
  void aShardThatIsNotALabelValueIsRefusedAtInstall() {
    Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> render("shard", "Team_A!"));
    assertTrue(e.getMessage().contains("shard: 'Team_A!' is not a shard name"), e.getMessage());
  }

  @Test
  void rbacGrantsOnlyWhatTheOperatorUsesClusterWideByDefault() throws Exception {
    List<JsonNode> docs = render();
    JsonNode role = kind(docs, "ClusterRole").get(0);
    Set<String> grants = new TreeSet<>();
    for (JsonNode rule : role.path("rules")) {
      for (JsonNode r : rule.path("resources")) {
        for (JsonNode v : rule.path("verbs")) {
          grants.add(rule.path("apiGroups").get(0).asText() + "/" + r.asText() + ":" + v.asText());
        }
      }
    }
    assertFalse(grants.stream().anyMatch(g -> g.contains("*")), grants.toString());
    assertFalse(grants.stream().anyMatch(g -> g.startsWith("/secrets:") && !g.matches("/secrets:(get|list|watch)")),
        "secrets are only read: " + grants);
    assertTrue(grants.contains("hostops.dev/hostservices/finalizers:update"));
    assertTrue(grants.contains("hostops.dev/hosts/finalizers:update"));
    assertTrue(grants.contains("/events:create"));
    assertFalse(grants.stream().anyMatch(g -> g.endsWith(":delete")), "hostops deletes nothing in the cluster");
    assertEquals(1, kind(docs, "ClusterRoleBinding").size());
    assertEquals("leases", kind(docs, "Role").get(0).path("rules").get(0).path("resources").get(0).asText());
  }

  @Test
  void namespacedRbacWhenNamespacesAreListed() throws Exception {
    List<JsonNode> docs = render("watchNamespaces[0]", "team-a", "watchNamespaces[1]", "team-b");
    assertTrue(kind(docs, "ClusterRole").isEmpty());
    List<String> roleNamespaces = kind(docs, "RoleBinding").stream()
        .map(d -> d.path("metadata").path("namespace").asText()).sorted().toList();
    assertEquals(List.of("ops", "team-a", "team-b"), roleNamespaces);
    JsonNode env = kind(docs, "Deployment").get(0).path("spec").path("template").path("spec").path("containers")
        .get(0).path("env");
    assertTrue(env.toString().contains("\"HOSTOPS_NAMESPACES\",\"value\":\"team-a,team-b\""), env.toString());
  }

  @Test
  void metricsServiceAndOptionalServiceMonitor() throws Exception {
    assertEquals(1, kind(render(), "Service").size());
    assertTrue(kind(render(), "ServiceMonitor").isEmpty());
    JsonNode monitor = kind(render("metrics.serviceMonitor.enabled", "true"), "ServiceMonitor").get(0);
    assertEquals("/metrics", monitor.path("spec").path("endpoints").get(0).path("path").asText());
  }
}
