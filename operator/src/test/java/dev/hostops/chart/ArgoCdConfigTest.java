package dev.hostops.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * The paste-ready Argo CD configuration in charts/hostops/argocd/: the argocd-cm patch holds the health
 * scripts exactly as the .lua files beside it (ArgoHealthTest runs those), so no hand-indented copy drifts.
 * {@code -Dargocd.update=true} writes the patch from the scripts.
 */
class ArgoCdConfigTest {
  static final Path DIR = Path.of("../charts/hostops/argocd");
  static final Path PATCH = DIR.resolve("argocd-cm-patch.yaml");
  /** Argo CD's key for a kind's health check → the script. */
  static final Map<String, String> CHECKS = Map.of(
      "resource.customizations.health.hostops.dev_HostService", "health-hostservice.lua",
      "resource.customizations.health.hostops.dev_Host", "health-host.lua",
      "resource.customizations.health.hostops.dev_LogScrape", "health-logscrape.lua");

  /** The patch as generated from the scripts. */
  static String generated() throws Exception {
    StringBuilder y = new StringBuilder("""
        # hostops' health checks for Argo CD, as a patch of its argocd-cm ConfigMap. Generated from the
        # health-*.lua files beside it (ArgoCdConfigTest fails when they differ; -Dargocd.update=true writes it).
        #   kubectl -n argocd patch configmap argocd-cm --patch-file argocd-cm-patch.yaml
        # With the argo-cd Helm chart, put the same keys under configs.cm.
        data:
        """);
    for (Map.Entry<String, String> e : new TreeMap<>(CHECKS).entrySet()) {
      y.append("  ").append(e.getKey()).append(": |\n");
      for (String line : Files.readString(DIR.resolve(e.getValue())).split("\n", -1)) {
        if (!line.isEmpty()) {
          y.append("    ").append(line);
        }
        y.append('\n');
      }
      y.setLength(y.length() - 1); // the file's own last newline ends the block
    }
    return y.toString();
  }

  @Test
  void theArgoCdConfigMapPatchHoldsTheHealthScriptsAsTheyAre() throws Exception {
    if (Boolean.getBoolean("argocd.update")) {
      Files.writeString(PATCH, generated());
    }
    String patch = Files.readString(PATCH);
    assertEquals(generated(), patch, PATCH + " differs from the .lua files: run mvn -pl operator test "
        + "-Dtest=ArgoCdConfigTest -Dargocd.update=true");
    JsonNode data = new YAMLMapper().readTree(patch).get("data");
    assertEquals(CHECKS.size(), data.size(), data.toString());
    for (Map.Entry<String, String> e : CHECKS.entrySet()) {
      assertEquals(Files.readString(DIR.resolve(e.getValue())), data.get(e.getKey()).asText(), e.getKey());
    }
  }

  @Test
  void thePackagedChartKeepsTheArgoCdFolder() throws Exception {
    Path ignore = Path.of("../charts/hostops/.helmignore");
    assertTrue(Files.exists(ignore), ignore.toString());
    for (String line : Files.readAllLines(ignore)) {
      String l = line.strip();
      assertTrue(l.isEmpty() || l.startsWith("#") || !("argocd".matches(globToRegex(l.replaceAll("/$", "")))),
          "ignores argocd/: " + l);
    }
  }

  @Test
  void theExampleServicesRepositoryPutsSecretsAndHostsBeforeHostServices() throws Exception {
    int seen = 0;
    try (var files = Files.list(Path.of("../examples/argocd/services"))) {
      for (Path f : files.sorted().toList()) {
        for (JsonNode doc : new YAMLMapper().readValues(new YAMLMapper().createParser(f.toFile()), JsonNode.class)
            .readAll()) {
          String kind = doc.path("kind").asText();
          String wave = doc.path("metadata").path("annotations").path("argocd.argoproj.io/sync-wave").asText("0");
          assertEquals(kind.equals("HostService") ? "0" : "-1", wave, f + ": " + kind);
          seen++;
        }
      }
    }
    assertEquals(3, seen);
    String app = Files.readString(Path.of("../examples/argocd/application.yaml"));
    assertTrue(app.contains("resources-finalizer.argocd.argoproj.io/background") && app.contains("PrunePropagationPolicy=background")
        && app.contains("selfHeal: true") && app.contains("prune: true"), app);
  }

  private static String globToRegex(String glob) {
    return glob.replace(".", "\\.").replace("*", ".*").replace("?", ".");
  }
}
