package dev.hostops.render;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A service's Docker client config ({@code {"auths": {REGISTRY: {auth}}}}) merged from image pull
 * Secrets, as kubelet reads them: {@code kubernetes.io/dockerconfigjson} (key {@code .dockerconfigjson},
 * an "auths" object) and the older {@code kubernetes.io/dockercfg} (key {@code .dockercfg}, the
 * registries at the top level). The first Secret naming a registry wins. Problems name the field,
 * the Secret and the registry, never a value: a parse error's own message could quote the content.
 */
public final class RegistryCredentials {
  public static final String DOCKERCONFIGJSON = "kubernetes.io/dockerconfigjson";
  public static final String DOCKERCFG = "kubernetes.io/dockercfg";
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * One pull Secret named by a field, e.g. spec.imagePullSecrets[0] or Host vm1 spec.imagePullSecrets[0], and the
   * reason its problems carry (the service's own Secret, or one the Host gives).
   */
  public record Source(String field, String secretName, RenderProblem.Reason reason) {}

  private RegistryCredentials() {}

  /** The config.json content, or null when a problem was added. */
  static byte[] configJson(List<Source> sources, References refs, List<RenderProblem> problems) {
    Map<String, ObjectNode> auths = new TreeMap<>();
    int before = problems.size();
    for (Source source : sources) {
      List<String> found = new ArrayList<>();
      read(source, refs, auths, found);
      found.forEach(message -> problems.add(new RenderProblem(source.reason(), message)));
    }
    if (problems.size() > before) {
      return null;
    }
    ObjectNode root = JSON.createObjectNode();
    ObjectNode out = root.putObject("auths");
    auths.forEach(out::set);
    try {
      return (JSON.writeValueAsString(root) + "\n").getBytes(StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalStateException("serializing a JSON tree failed", e);
    }
  }

  private static void read(Source source, References refs, Map<String, ObjectNode> auths, List<String> problems) {
    String name = source.secretName();
    String where = source.field() + ": Secret " + name;
    Map<String, byte[]> data = refs.secrets().get(name);
    if (data == null) {
      problems.add(where + " not found");
      return;
    }
    String type = refs.secretTypes().get(name);
    if (type != null && !type.equals(DOCKERCONFIGJSON) && !type.equals(DOCKERCFG)) {
      problems.add(where + " is of type " + type + "; image pull Secrets are of type " + DOCKERCONFIGJSON + " or "
          + DOCKERCFG);
      return;
    }
    boolean legacy = DOCKERCFG.equals(type) || (type == null && !data.containsKey(".dockerconfigjson")
        && data.containsKey(".dockercfg"));
    String key = legacy ? ".dockercfg" : ".dockerconfigjson";
    byte[] content = data.get(key);
    if (content == null) {
      problems.add(where + " has no key " + key);
      return;
    }
    JsonNode root;
    try {
      root = JSON.readTree(content);
    } catch (IOException e) {
      problems.add(where + ": " + key + " is not valid JSON"); // the parser's message may quote the secret
      return;
    }
    JsonNode registries = legacy ? root : root == null ? null : root.get("auths");
    if (registries == null || !registries.isObject()) {
      problems.add(where + ": " + key + (legacy ? " is not a JSON object" : " has no \"auths\" object"));
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = registries.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      String registry = e.getKey();
      if (registry.isBlank() || !registry.matches("[\\x21-\\x7e]+")) {
        problems.add(where + ": a registry name is empty or has spaces or control characters");
        continue;
      }
      ObjectNode entry = entry(e.getValue());
      if (entry == null) {
        problems.add(where + ": the entry for " + registry + " has neither auth nor username and password");
        continue;
      }
      auths.putIfAbsent(registry, entry);
    }
  }

  /** Normalized to what every Docker client version reads: auth (base64 of user:password), identitytoken. */
  private static ObjectNode entry(JsonNode node) {
    if (node == null || !node.isObject()) {
      return null;
    }
    ObjectNode out = JSON.createObjectNode();
    String auth = text(node, "auth");
    if (auth == null && text(node, "username") != null && text(node, "password") != null) {
      auth = Base64.getEncoder().encodeToString((text(node, "username") + ":" + text(node, "password"))
          .getBytes(StandardCharsets.UTF_8));
    }
    if (auth != null) {
      out.put("auth", auth);
    }
    String token = text(node, "identitytoken");
    if (token != null) {
      out.put("identitytoken", token);
    }
    return out.isEmpty() ? null : out;
  }

  private static String text(JsonNode node, String field) {
    JsonNode v = node.get(field);
    return v != null && v.isTextual() && !v.asText().isEmpty() ? v.asText() : null;
  }
}
