package dev.hostops.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The CRDs committed under crds/ and the Helm chart must be exactly what the Java model generates,
 * with the printer columns in the order the model declares them (the generator sorts them by JSON
 * path, which puts AGE first). {@code bin/update-crds} rewrites the committed copies.
 */
class CrdDriftTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");
  private static final Map<String, Class<?>> KINDS = Map.of(
      "hosts.hostops.dev", Host.class, "hostservices.hostops.dev", HostService.class,
      "logscrapes.hostops.dev", LogScrape.class);
  private static final YAMLMapper YAML = YAMLMapper.builder()
      .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
      .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
      .build();

  /** The generated CRD with its printer columns in declaration order. */
  static String committedForm(String name, String generated) throws IOException {
    JsonNode crd = YAML.readTree(generated);
    List<String> order = new ArrayList<>();
    for (AdditionalPrinterColumn c : KINDS.get(name).getAnnotationsByType(AdditionalPrinterColumn.class)) {
      order.add(c.name());
    }
    for (JsonNode version : crd.path("spec").path("versions")) {
      ArrayNode columns = (ArrayNode) version.path("additionalPrinterColumns");
      List<JsonNode> sorted = new ArrayList<>();
      columns.forEach(sorted::add);
      sorted.sort(java.util.Comparator.comparingInt(c -> order.indexOf(c.path("name").asText())));
      columns.removeAll();
      sorted.forEach(columns::add);
    }
    return "# Generated from the Java model (operator/src/main/java/dev/hostops/api) by bin/update-crds. Do not edit.\n"
        + YAML.writeValueAsString(crd);
  }

  @Test
  void committedCrdsMatchTheModel() throws IOException {
    List<Path> generated;
    try (Stream<Path> files = Files.list(GENERATED)) {
      generated = files.filter(p -> p.toString().endsWith("-v1.yml")).sorted().toList();
    }
    assertFalse(generated.isEmpty(), "no CRDs generated in " + GENERATED);
    for (Path copyDir : List.of(Path.of("../crds"), Path.of("../charts/hostops/crds"))) {
      for (Path g : generated) {
        String name = g.getFileName().toString().replace("-v1.yml", "");
        String expected = committedForm(name, Files.readString(g));
        Path committed = copyDir.resolve(name + ".yaml");
        if (Boolean.getBoolean("crds.update")) {
          Files.writeString(committed, expected);
        }
        assertEquals(expected, Files.exists(committed) ? Files.readString(committed) : "<missing>",
            committed + " differs from the model; run bin/update-crds and commit the result");
      }
      try (Stream<Path> files = Files.list(copyDir)) {
        assertEquals(generated.size(), files.count(), "number of CRDs in " + copyDir + "; run bin/update-crds");
      }
    }
  }
}
