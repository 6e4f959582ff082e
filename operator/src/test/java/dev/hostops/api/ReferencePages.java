package dev.hostops.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The reference page of a resource, made from its CRD (crds/NAME.yaml): every field with its full path, its
 * type, whether it is required, its default and its checks, and the description `kubectl explain` shows. The
 * CRD is generated from the Java model, so the page says what the API server enforces and nothing else.
 * bin/update-crds writes the pages; ReferenceDriftTest fails when a page and its CRD differ.
 */
final class ReferencePages {
  private static final YAMLMapper YAML = new YAMLMapper();

  private ReferencePages() {}

  /** The page for one CRD, as Markdown. */
  static String page(String crdYaml, String crdFile) throws IOException {
    JsonNode crd = YAML.readTree(crdYaml);
    JsonNode names = crd.path("spec").path("names");
    String kind = names.path("kind").asText();
    JsonNode version = crd.path("spec").path("versions").get(0);
    StringBuilder md = new StringBuilder();
    md.append("# ").append(kind).append(" (").append(crd.path("spec").path("group").asText()).append('/')
        .append(version.path("name").asText()).append(")\n\n");
    md.append("<!-- Generated from ").append(crdFile).append(" by bin/update-crds (ReferenceDriftTest). Do not edit. -->\n\n");
    JsonNode schema = version.path("schema").path("openAPIV3Schema");
    if (schema.has("description")) {
      md.append(oneLine(schema.path("description").asText())).append("\n\n");
    }
    List<String> shortNames = new ArrayList<>();
    names.path("shortNames").forEach(n -> shortNames.add("`" + n.asText() + "`"));
    md.append("`kubectl get ").append(names.path("plural").asText()).append('`');
    if (!shortNames.isEmpty()) {
      md.append(" (short: ").append(String.join(", ", shortNames)).append(')');
    }
    md.append(" shows ");
    List<String> columns = new ArrayList<>();
    version.path("additionalPrinterColumns").forEach(c -> columns.add(c.path("name").asText()
        + (c.path("priority").asInt() > 0 ? " (-o wide)" : "")));
    md.append(String.join(", ", columns)).append(". `kubectl explain ").append(names.path("singular").asText())
        .append(".spec` gives the same descriptions field by field.\n");
    for (String part : List.of("spec", "status")) {
      JsonNode node = schema.path("properties").path(part);
      if (node.isMissingNode()) {
        continue;
      }
      md.append("\n## ").append(part).append("\n\n");
      if (node.has("description")) {
        md.append(oneLine(node.path("description").asText())).append("\n\n");
      }
      rules(node, md, false);
      md.append("| Field | Type | Description |\n|---|---|---|\n");
      fields(part, node, md);
    }
    return md.toString();
  }

  /** One row per field below {@code node}, depth first, in the CRD's order. */
  private static void fields(String path, JsonNode node, StringBuilder md) {
    JsonNode properties = node.path("properties");
    List<String> required = new ArrayList<>();
    node.path("required").forEach(r -> required.add(r.asText()));
    for (Iterator<Map.Entry<String, JsonNode>> it = properties.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String field = path + "." + e.getKey();
      JsonNode f = e.getValue();
      md.append("| `").append(field).append("` | ").append(type(f))
          .append(required.contains(e.getKey()) ? ", required" : "").append(" | ")
          .append(cell(f)).append(" |\n");
      JsonNode inner = f.path("type").asText().equals("array") ? f.path("items") : f;
      String innerPath = f.path("type").asText().equals("array") ? field + "[]" : field;
      if (inner.has("properties")) {
        fields(innerPath, inner, md);
      } else if (inner.path("additionalProperties").has("properties")) {
        fields(innerPath + ".*", inner.path("additionalProperties"), md);
      }
    }
  }

  private static String type(JsonNode f) {
    String t = f.path("type").asText("any");
    if (t.equals("array")) {
      return "list of " + type(f.path("items"));
    }
    if (t.equals("object") && f.has("additionalProperties") && !f.has("properties")) {
      return "map of " + type(f.path("additionalProperties"));
    }
    if (f.path("x-kubernetes-preserve-unknown-fields").asBoolean()) {
      return "any";
    }
    return t;
  }

  /** The description, then the checks the API server makes. */
  private static String cell(JsonNode f) {
    StringBuilder c = new StringBuilder(oneLine(f.path("description").asText("")));
    List<String> checks = new ArrayList<>();
    if (f.has("default")) {
      checks.add("default `" + f.path("default").toString().replaceAll("^\"|\"$", "") + "`");
    }
    if (f.has("enum")) {
      List<String> values = new ArrayList<>();
      f.path("enum").forEach(v -> values.add("`" + v.asText() + "`"));
      checks.add("one of " + String.join(", ", values));
    }
    if (f.has("pattern")) {
      checks.add("matches `" + f.path("pattern").asText().replace("|", "\\|") + "`");
    }
    for (String bound : List.of("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems")) {
      if (f.has(bound)) {
        checks.add(bound + " " + f.path(bound).asText());
      }
    }
    if (!checks.isEmpty()) {
      c.append(c.length() == 0 ? "" : " ").append('(').append(String.join("; ", checks)).append(')');
    }
    rules(f, c, true);
    return c.toString().replace("|", "\\|");
  }

  /** The CEL rules on a node, by the message the API server answers with. */
  private static void rules(JsonNode node, StringBuilder out, boolean inCell) {
    for (JsonNode r : node.path("x-kubernetes-validations")) {
      if (inCell && out.length() > 0) {
        out.append(' ');
      }
      out.append("Checked: ").append(oneLine(r.path("message").asText())).append(inCell ? "." : ".\n\n");
    }
  }

  private static String oneLine(String s) {
    return s.strip().replaceAll("\\s*\\n\\s*", " ");
  }
}
