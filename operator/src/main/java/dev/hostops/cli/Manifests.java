package dev.hostops.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** Reads Kubernetes manifests (multi-document YAML files or folders of them) into typed resources. */
public final class Manifests {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private Manifests() {}

  /** Every hostops resource (and Secret) in the given files or folders, in file order. */
  public static List<HasMetadata> read(List<Path> paths, String defaultNamespace) throws IOException {
    List<HasMetadata> result = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        try (Stream<Path> files = Files.list(path)) {
          for (Path f : files.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml"))
              .sorted().toList()) {
            result.addAll(read(List.of(f), defaultNamespace));
          }
        }
        continue;
      }
      try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(path.toFile())) {
        while (docs.hasNext()) {
          JsonNode doc = docs.next();
          if (doc == null || doc.isNull() || doc.isEmpty()) {
            continue;
          }
          HasMetadata r = convert(doc, path);
          if (r != null) {
            if (r.getMetadata().getNamespace() == null) {
              r.getMetadata().setNamespace(defaultNamespace);
            }
            result.add(r);
          }
        }
      }
    }
    return result;
  }

  private static HasMetadata convert(JsonNode doc, Path source) throws IOException {
    String kind = doc.path("kind").asText();
    String apiVersion = doc.path("apiVersion").asText();
    Class<? extends HasMetadata> type = switch (kind) {
      case "Host" -> Host.class;
      case "HostService" -> HostService.class;
      case "LogScrape" -> dev.hostops.api.LogScrape.class;
      case "Secret" -> Secret.class;
      case "ConfigMap" -> ConfigMap.class;
      default -> null;
    };
    if (type == null) {
      return null;
    }
    if (type != Secret.class && type != ConfigMap.class && !apiVersion.equals(Host.GROUP + "/" + Host.VERSION)) {
      throw new IOException(source + ": " + kind + " must have apiVersion " + Host.GROUP + "/" + Host.VERSION);
    }
    try {
      return SERIALIZATION.convertValue(doc, type);
    } catch (IllegalArgumentException e) {
      throw new IOException(source + ": " + kind + " " + doc.path("metadata").path("name").asText() + ": "
          + e.getMessage().split("\n")[0], null);
    }
  }
}
