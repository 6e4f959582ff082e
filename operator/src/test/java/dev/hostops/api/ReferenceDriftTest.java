package dev.hostops.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * docs/reference/ holds one page per resource, made from the committed CRDs (ReferencePages); a page that
 * differs from what its CRD makes fails here. {@code bin/update-crds} rewrites them with the CRDs.
 */
class ReferenceDriftTest {
  private static final Path CRDS = Path.of("../crds");
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  private static final Path PAGES = Path.of("../docs/reference");
  private static final Map<String, String> PAGE_OF = Map.of("hosts.hostops.dev.yaml", "host.md",
      "hostservices.hostops.dev.yaml", "hostservice.md", "logscrapes.hostops.dev.yaml", "logscrape.md");

  @Test
  void everyPageIsWhatItsCrdMakes() throws IOException {
    for (Map.Entry<String, String> e : PAGE_OF.entrySet()) {
      // from the CRD the model generates, as CrdDriftTest commits it: both are rewritten by one bin/update-crds
      String name = e.getKey().replace(".yaml", "");
      String crd = CrdDriftTest.committedForm(name, Files.readString(GENERATED.resolve(name + "-v1.yml")));
      String expected = ReferencePages.page(crd, "crds/" + e.getKey());
      Path page = PAGES.resolve(e.getValue());
      if (Boolean.getBoolean("crds.update")) {
        Files.createDirectories(PAGES);
        Files.writeString(page, expected);
      }
      assertEquals(expected, Files.exists(page) ? Files.readString(page) : "<missing>",
          page + " differs from " + e.getKey() + "; run bin/update-crds and commit the result");
    }
  }

  @Test
  void everyFieldOfEveryCrdHasARow() throws IOException {
    // the fields the issue found only in `kubectl explain`, and every other one: each schema property is a row
    for (Map.Entry<String, String> e : PAGE_OF.entrySet()) {
      String crd = Files.readString(CRDS.resolve(e.getKey()));
      String page = ReferencePages.page(crd, e.getKey());
      Matcher m = Pattern.compile("(?m)^( +)([A-Za-z][A-Za-z0-9]*):\\n\\1  (?:description|type|properties|items|default)")
          .matcher(crd);
      int properties = 0;
      while (m.find()) {
        if (!List.of("properties", "items", "additionalProperties", "openAPIV3Schema", "schema", "spec", "status")
            .contains(m.group(2))) {
          properties++;
        }
      }
      long rows = page.lines().filter(l -> l.startsWith("| `")).count();
      assertTrue(rows >= properties, e.getKey() + ": " + rows + " rows for " + properties + " fields");
    }
    String service = ReferencePages.page(Files.readString(CRDS.resolve("hostservices.hostops.dev.yaml")), "x");
    for (String field : List.of("`spec.requires`", "`spec.capAdd`", "`spec.startOnBoot`", "`spec.files[].mode`",
        "`spec.schedule.persistent`", "`spec.compose.configMapRef`", "`spec.hostSelector.matchExpressions`")) {
      assertTrue(service.contains("| " + field + " |"), field);
    }
    String host = ReferencePages.page(Files.readString(CRDS.resolve("hosts.hostops.dev.yaml")), "x");
    for (String field : List.of("`spec.port`", "`spec.logAgent.adopt`", "`spec.logAgent.container`",
        "`spec.logAgent.lokiUrl`")) {
      assertTrue(host.contains("| " + field + " |"), field);
    }
  }

  @Test
  void everyFieldIsDescribed() throws IOException {
    for (String crd : PAGE_OF.keySet()) {
      List<String> bare = ReferencePages.page(Files.readString(CRDS.resolve(crd)), crd).lines()
          .filter(l -> l.startsWith("| `") && l.endsWith("|  |")).toList();
      assertEquals(List.of(), bare, crd + ": fields kubectl explain shows without a word");
    }
  }
}
