package dev.hostops.cli;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.LogScrape;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Reads Kubernetes manifests (multi-document YAML files or folders of them) into typed resources.
 * Every mistake in them (a missing file, bad YAML, an unknown kind or field, a value of the wrong
 * type) is a {@link UsageException} naming the file, the resource and the field.
 */
public final class Manifests {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();
  private static final String KINDS = "Host, HostService, LogScrape, Secret, ConfigMap";

  private Manifests() {}

  /** Every hostops resource (and Secret, ConfigMap) in the given files or folders, in file order. */
  public static List<HasMetadata> read(List<Path> paths, String defaultNamespace) throws UsageException {
    List<HasMetadata> result = new ArrayList<>();
    for (Path path : paths) {
      if (Files.isDirectory(path)) {
        List<Path> files;
        try (Stream<Path> list = Files.list(path)) {
          files = list.filter(p -> p.toString().endsWith(".yaml") || p.toString().endsWith(".yml")).sorted().toList();
        } catch (IOException e) {
          throw new UsageException(path + ": cannot read the folder (" + reason(e) + ")");
        }
        if (files.isEmpty()) {
          throw new UsageException(path + ": no .yaml or .yml file in this folder");
        }
        result.addAll(read(files, defaultNamespace));
        continue;
      }
      if (!Files.exists(path)) {
        throw new UsageException(path + ": no such file or folder");
      }
      int n = 0;
      try (MappingIterator<JsonNode> docs = YAML.readerFor(JsonNode.class).readValues(path.toFile())) {
        while (docs.hasNextValue()) {
          JsonNode doc = docs.nextValue();
          n++;
          if (doc == null || doc.isNull() || doc.isMissingNode() || doc.isObject() && doc.isEmpty()) {
            continue;
          }
          HasMetadata r = convert(doc, path, n);
          if (r.getMetadata().getNamespace() == null) {
            r.getMetadata().setNamespace(defaultNamespace);
          }
          result.add(r);
        }
      } catch (JsonProcessingException e) {
        throw new UsageException(path + ": not valid YAML" + yamlProblem(e));
      } catch (IOException e) {
        throw new UsageException(path + ": cannot read (" + reason(e) + ")");
      } catch (RuntimeException e) {
        // MappingIterator wraps parse errors met while advancing in an unchecked exception
        if (e.getCause() instanceof JsonProcessingException j) {
          throw new UsageException(path + ": not valid YAML" + yamlProblem(j));
        }
        throw e;
      }
    }
    return result;
  }

  private static HasMetadata convert(JsonNode doc, Path source, int n) throws UsageException {
    String where = source + ": document " + n;
    if (!doc.isObject()) {
      throw new UsageException(where + ": not a Kubernetes resource (a mapping with apiVersion, kind, metadata)");
    }
    String kind = doc.path("kind").asText("");
    String apiVersion = doc.path("apiVersion").asText("");
    if (kind.isEmpty()) {
      throw new UsageException(where + ": no kind (one of " + KINDS + ")");
    }
    Class<? extends HasMetadata> type = switch (kind) {
      case "Host" -> Host.class;
      case "HostService" -> HostService.class;
      case "LogScrape" -> LogScrape.class;
      case "Secret" -> Secret.class;
      case "ConfigMap" -> ConfigMap.class;
      default -> throw new UsageException(where + ": kind " + kind + " is not one hostops reads (" + KINDS + ")");
    };
    String expected = type == Secret.class || type == ConfigMap.class ? "v1" : Host.GROUP + "/" + Host.VERSION;
    if (!apiVersion.equals(expected)) {
      throw new UsageException(where + ": " + kind + " must have apiVersion " + expected
          + (apiVersion.isEmpty() ? "" : ", not " + apiVersion));
    }
    String name = doc.path("metadata").path("name").asText("");
    if (name.isEmpty()) {
      throw new UsageException(where + ": " + kind + " has no metadata.name");
    }
    try {
      return SERIALIZATION.convertValue(doc, type);
    } catch (IllegalArgumentException e) {
      throw new UsageException(source + ": " + kind + " " + name + ": " + describe(e.getCause()));
    }
  }

  /** What Jackson found wrong, as FIELD: problem. */
  private static String describe(Throwable cause) {
    if (!(cause instanceof JsonMappingException d)) {
      return "cannot be read";
    }
    String field = field(d.getPath());
    if (d instanceof UnrecognizedPropertyException u) {
      String known = u.getKnownPropertyIds() == null ? "" : u.getKnownPropertyIds().stream().map(String::valueOf)
          .sorted().collect(Collectors.joining(", "));
      return field + ": unknown field" + (known.isEmpty() ? "" : " (known here: " + known + ")");
    }
    if (d instanceof InvalidFormatException f) {
      return field + ": '" + f.getValue() + "' is not " + article(f.getTargetType());
    }
    if (d instanceof MismatchedInputException m && m.getTargetType() != null) {
      return field + ": expected " + article(m.getTargetType());
    }
    return field + ": " + d.getOriginalMessage().lines().findFirst().orElse("").strip();
  }

  private static String field(List<JsonMappingException.Reference> path) {
    StringBuilder b = new StringBuilder();
    for (JsonMappingException.Reference r : path) {
      if (r.getFieldName() != null) {
        b.append(b.isEmpty() ? "" : ".").append(r.getFieldName());
      } else if (r.getIndex() >= 0) {
        b.append('[').append(r.getIndex()).append(']');
      }
    }
    return b.isEmpty() ? "(top level)" : b.toString();
  }

  private static String article(Class<?> type) {
    if (type == int.class || type == Integer.class || type == long.class || type == Long.class) {
      return "a whole number";
    }
    if (type == boolean.class || type == Boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (List.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (Map.class.isAssignableFrom(type)) {
      return "a mapping";
    }
    return "a mapping (" + type.getSimpleName() + ")";
  }

  /** " at line L, column C: problem", from the YAML parser's own account where it has one. */
  private static String yamlProblem(JsonProcessingException e) {
    if (e.getCause() instanceof MarkedYAMLException m && m.getProblem() != null) {
      var mark = m.getProblemMark();
      return (mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1)) + ": "
          + m.getProblem().strip();
    }
    return at(e.getLocation()) + ": " + e.getOriginalMessage().lines().findFirst().orElse("").strip();
  }

  private static String at(JsonLocation location) {
    return location == null || location.getLineNr() < 1 ? ""
        : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
  }

  private static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }
}
