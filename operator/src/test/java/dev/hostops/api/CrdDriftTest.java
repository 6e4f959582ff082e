package dev.hostops.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The CRDs committed under crds/ and the Helm chart must be exactly what the Java model generates. */
class CrdDriftTest {
  private static final Path GENERATED = Path.of("target/classes/META-INF/fabric8");

  @Test
  void committedCrdsMatchTheModel() throws IOException {
    List<Path> generated;
    try (Stream<Path> files = Files.list(GENERATED)) {
      generated = files.filter(p -> p.toString().endsWith("-v1.yml")).sorted().toList();
    }
    assertFalse(generated.isEmpty(), "no CRDs generated in " + GENERATED);
    for (Path copyDir : List.of(Path.of("../crds"), Path.of("../charts/hostops/crds"))) {
      try (Stream<Path> files = Files.list(copyDir)) {
        assertEquals(generated.size(), files.count(), "number of CRDs in " + copyDir + "; run bin/update-crds");
      }
      for (Path g : generated) {
        Path committed = copyDir.resolve(g.getFileName().toString().replace("-v1.yml", ".yaml"));
        assertEquals(Files.readString(g), Files.exists(committed) ? Files.readString(committed) : "<missing>",
            committed + " differs from the model; run bin/update-crds and commit the result");
      }
    }
  }
}
