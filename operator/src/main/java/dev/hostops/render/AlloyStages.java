package dev.hostops.render;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * promtail {@code pipeline_stages} as the {@code stage.*} blocks of an Alloy {@code loki.process}
 * component. Argument names and types follow Alloy's reference for loki.process; a promtail stage
 * or argument Alloy has no equivalent for is refused with the job, stage and argument named, never
 * dropped. Pure.
 */
final class AlloyStages {
  /** Alloy's argument types, as its reference names them. */
  private enum Type { STRING, NUMBER, BOOL, DURATION, LIST_STRING, LIST_NUMBER, MAP_STRING }

  /** An Alloy stage block: its name and the arguments it takes (promtail's names, which Alloy kept). */
  private record Stage(String block, Map<String, Type> args) {}

  private static final Map<String, Stage> STAGES = new LinkedHashMap<>();

  static {
    stage("cri", "cri", "max_partial_lines", Type.NUMBER, "max_partial_line_size", Type.NUMBER,
        "max_partial_line_size_truncate", Type.BOOL);
    stage("decolorize", "decolorize");
    stage("docker", "docker");
    stage("drop", "drop", "source", Type.STRING, "separator", Type.STRING, "expression", Type.STRING,
        "value", Type.STRING, "older_than", Type.DURATION, "longer_than", Type.STRING,
        "drop_counter_reason", Type.STRING);
    stage("eventlogmessage", "eventlogmessage", "source", Type.STRING, "drop_invalid_labels", Type.BOOL,
        "overwrite_existing", Type.BOOL);
    stage("geoip", "geoip", "db", Type.STRING, "source", Type.STRING, "db_type", Type.STRING,
        "custom_lookups", Type.MAP_STRING);
    stage("json", "json", "expressions", Type.MAP_STRING, "source", Type.STRING, "drop_malformed", Type.BOOL);
    stage("limit", "limit", "rate", Type.NUMBER, "burst", Type.NUMBER, "drop", Type.BOOL,
        "by_label_name", Type.STRING, "max_distinct_labels", Type.NUMBER);
    stage("logfmt", "logfmt", "mapping", Type.MAP_STRING, "source", Type.STRING);
    stage("luhn", "luhn", "min_length", Type.NUMBER, "replacement", Type.STRING, "source", Type.STRING);
    stage("match", "match", "selector", Type.STRING, "pipeline_name", Type.STRING, "action", Type.STRING,
        "drop_counter_reason", Type.STRING);
    stage("multiline", "multiline", "firstline", Type.STRING, "max_wait_time", Type.DURATION,
        "max_lines", Type.NUMBER);
    stage("output", "output", "source", Type.STRING);
    stage("pack", "pack", "labels", Type.LIST_STRING, "ingest_timestamp", Type.BOOL);
    stage("regex", "regex", "expression", Type.STRING, "source", Type.STRING);
    stage("replace", "replace", "expression", Type.STRING, "source", Type.STRING, "replace", Type.STRING);
    stage("sampling", "sampling", "rate", Type.NUMBER, "drop_counter_reason", Type.STRING);
    stage("template", "template", "source", Type.STRING, "template", Type.STRING);
    stage("tenant", "tenant", "label", Type.STRING, "source", Type.STRING, "value", Type.STRING);
    stage("timestamp", "timestamp", "source", Type.STRING, "format", Type.STRING,
        "fallback_formats", Type.LIST_STRING, "location", Type.STRING, "action_on_failure", Type.STRING);
  }

  /** promtail stages whose body is the whole value: a list of labels or a map of them. */
  private static final Map<String, String> LIST_STAGES = Map.of("labelallow", "label_keep", "labeldrop", "label_drop");
  private static final Map<String, String> MAP_STAGES = Map.of("labels", "labels", "static_labels", "static_labels",
      "structured_metadata", "structured_metadata");

  /** promtail metric type → Alloy block and the arguments it takes (promtail's config: keys included). */
  private static final Map<String, Map<String, Type>> METRICS = Map.of(
      "counter", args("description", Type.STRING, "prefix", Type.STRING, "source", Type.STRING,
          "max_idle_duration", Type.DURATION, "value", Type.STRING, "action", Type.STRING, "match_all", Type.BOOL,
          "count_entry_bytes", Type.BOOL),
      "gauge", args("description", Type.STRING, "prefix", Type.STRING, "source", Type.STRING,
          "max_idle_duration", Type.DURATION, "value", Type.STRING, "action", Type.STRING),
      "histogram", args("description", Type.STRING, "prefix", Type.STRING, "source", Type.STRING,
          "max_idle_duration", Type.DURATION, "value", Type.STRING, "buckets", Type.LIST_NUMBER));

  private AlloyStages() {}

  private static void stage(String promtail, String block, Object... args) {
    STAGES.put(promtail, new Stage(block, args(args)));
  }

  private static Map<String, Type> args(Object... kv) {
    Map<String, Type> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (Type) kv[i + 1]);
    }
    return m;
  }

  /**
   * The stage blocks for {@code stages} (each a one-entry map, as promtail has them), indented by
   * {@code indent}. Problems are added as "WHERE: stage N (NAME): …"; the text is then incomplete.
   */
  static String blocks(List<?> stages, String indent, String where, List<String> problems) {
    StringBuilder out = new StringBuilder();
    for (int i = 0; i < stages.size(); i++) {
      Object item = stages.get(i);
      if (!(item instanceof Map<?, ?> m) || m.size() != 1) {
        problems.add(where + ": pipeline stage " + i + ": one stage per item");
        continue;
      }
      String name = String.valueOf(m.keySet().iterator().next());
      Object body = m.values().iterator().next();
      String at = where + ": pipeline stage " + i + " (" + name + ")";
      out.append(out.isEmpty() ? "" : "\n");
      stage(out, name, body, indent, at, problems);
    }
    return out.toString();
  }

  private static void stage(StringBuilder out, String name, Object body, String indent, String at,
                            List<String> problems) {
    if (LIST_STAGES.containsKey(name)) {
      open(out, indent, "stage." + LIST_STAGES.get(name));
      arg(out, indent + "  ", "values", body == null ? List.of() : body, Type.LIST_STRING, at, problems);
      out.append(indent).append("}\n");
      return;
    }
    if (MAP_STAGES.containsKey(name)) {
      open(out, indent, "stage." + MAP_STAGES.get(name));
      arg(out, indent + "  ", "values", body == null ? Map.of() : body, Type.MAP_STRING, at, problems);
      out.append(indent).append("}\n");
      return;
    }
    if ("metrics".equals(name)) {
      metrics(out, body, indent, at, problems);
      return;
    }
    Stage stage = STAGES.get(name);
    if (stage == null) {
      problems.add(at + ": no Alloy equivalent (Alloy's loki.process has " + known() + ")");
      return;
    }
    Map<?, ?> fields = body == null ? Map.of() : body instanceof Map<?, ?> b ? b : null;
    if (fields == null) {
      problems.add(at + ": expected a mapping of the stage's settings");
      return;
    }
    if (stage.args().isEmpty() && fields.isEmpty()) {
      out.append(indent).append("stage.").append(stage.block()).append(" {}\n");
      return;
    }
    open(out, indent, "stage." + stage.block());
    for (Map.Entry<?, ?> e : fields.entrySet()) {
      String key = String.valueOf(e.getKey());
      if ("match".equals(name) && "stages".equals(key)) {
        continue;
      }
      Type type = stage.args().get(key);
      if (type == null) {
        problems.add(at + ": setting '" + ServiceValidation.printable(key) + "' has no Alloy equivalent (stage."
            + stage.block() + " takes " + String.join(", ", stage.args().keySet()) + ")");
        continue;
      }
      Object value = e.getValue();
      if ("drop".equals(name) && "source".equals(key) && value instanceof List<?> l) {
        // promtail takes a list of names; Alloy a comma-separated string of them
        value = l.stream().map(String::valueOf).collect(Collectors.joining(","));
      }
      if (value != null) {
        arg(out, indent + "  ", key, value, type, at, problems);
      }
    }
    if ("match".equals(name) && fields.get("stages") != null) {
      if (fields.get("stages") instanceof List<?> nested) {
        out.append('\n').append(blocks(nested, indent + "  ", at, problems));
      } else {
        problems.add(at + ": stages must be a list of stages");
      }
    }
    out.append(indent).append("}\n");
  }

  private static void metrics(StringBuilder out, Object body, String indent, String at, List<String> problems) {
    if (!(body instanceof Map<?, ?> metrics)) {
      problems.add(at + ": expected a mapping of metric names to their settings");
      return;
    }
    open(out, indent, "stage.metrics");
    String in = indent + "  ";
    boolean first = true;
    for (Map.Entry<?, ?> m : new TreeMap<>(stringKeys(metrics)).entrySet()) {
      String metric = String.valueOf(m.getKey());
      String where = at + ": metric " + ServiceValidation.printable(metric);
      if (!(m.getValue() instanceof Map<?, ?> settings)) {
        problems.add(where + ": expected a mapping with type and config");
        continue;
      }
      String type = String.valueOf(settings.get("type")).toLowerCase(Locale.ROOT);
      Map<String, Type> allowed = METRICS.get(type);
      if (allowed == null) {
        problems.add(where + ": type must be Counter, Gauge or Histogram");
        continue;
      }
      Map<Object, Object> flat = new LinkedHashMap<>();
      for (Map.Entry<?, ?> s : settings.entrySet()) {
        if ("config".equals(s.getKey()) && s.getValue() instanceof Map<?, ?> config) {
          flat.putAll(config);
        } else if (!"type".equals(s.getKey())) {
          flat.put(s.getKey(), s.getValue());
        }
      }
      out.append(first ? "" : "\n");
      first = false;
      open(out, in, "metric." + type);
      arg(out, in + "  ", "name", metric, Type.STRING, where, problems);
      for (Map.Entry<Object, Object> s : flat.entrySet()) {
        String key = String.valueOf(s.getKey());
        Type t = allowed.get(key);
        if (t == null) {
          problems.add(where + ": setting '" + ServiceValidation.printable(key) + "' has no Alloy equivalent (metric."
              + type + " takes name, " + String.join(", ", allowed.keySet()) + ")");
        } else if (s.getValue() != null) {
          arg(out, in + "  ", key, s.getValue(), t, where, problems);
        }
      }
      out.append(in).append("}\n");
    }
    out.append(indent).append("}\n");
  }

  private static void open(StringBuilder out, String indent, String block) {
    out.append(indent).append(block).append(" {\n");
  }

  private static void arg(StringBuilder out, String indent, String key, Object value, Type type, String at,
                          List<String> problems) {
    String literal = literal(value, type);
    if (literal == null) {
      problems.add(at + ": " + key + " must be " + describe(type));
      return;
    }
    out.append(indent).append(key).append(" = ").append(literal).append('\n');
  }

  /** The Alloy literal for a promtail value, or null when it is not of the type Alloy expects. */
  private static String literal(Object value, Type type) {
    switch (type) {
      case STRING, DURATION -> {
        return scalar(value) ? LogConfigRenderer.str(String.valueOf(value)) : null;
      }
      case NUMBER -> {
        return number(value);
      }
      case BOOL -> {
        if (value instanceof Boolean b) {
          return b.toString();
        }
        return "true".equals(value) || "false".equals(value) ? (String) value : null;
      }
      case LIST_STRING, LIST_NUMBER -> {
        if (!(value instanceof List<?> list)) {
          return null;
        }
        List<String> items = new ArrayList<>();
        for (Object item : list) {
          String l = type == Type.LIST_NUMBER ? number(item) : scalar(item) ? LogConfigRenderer.str(String.valueOf(item))
              : null;
          if (l == null) {
            return null;
          }
          items.add(l);
        }
        return "[" + String.join(", ", items) + "]";
      }
      case MAP_STRING -> {
        if (!(value instanceof Map<?, ?> map)) {
          return null;
        }
        List<String> pairs = new ArrayList<>();
        for (Map.Entry<String, ?> e : new TreeMap<>(stringKeys(map)).entrySet()) {
          // promtail reads a key without a value (`level:`) as "the same name"; Alloy as ""
          Object v = e.getValue() == null ? "" : e.getValue();
          if (!scalar(v)) {
            return null;
          }
          pairs.add(LogConfigRenderer.str(e.getKey()) + " = " + LogConfigRenderer.str(String.valueOf(v)));
        }
        return "{" + String.join(", ", pairs) + "}";
      }
      default -> throw new IllegalStateException(type.name());
    }
  }

  private static boolean scalar(Object v) {
    return v instanceof String || v instanceof Number || v instanceof Boolean;
  }

  private static String number(Object value) {
    try {
      BigDecimal d = value instanceof Number n ? new BigDecimal(n.toString())
          : value instanceof String s && s.matches("-?[0-9]+(\\.[0-9]+)?") ? new BigDecimal(s) : null;
      return d == null ? null : d.toPlainString();
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Map<String, Object> stringKeys(Map<?, ?> map) {
    Map<String, Object> m = new LinkedHashMap<>();
    map.forEach((k, v) -> m.put(String.valueOf(k), v));
    return m;
  }

  private static String describe(Type type) {
    return switch (type) {
      case STRING -> "a string";
      case DURATION -> "a duration like 3s";
      case NUMBER -> "a number";
      case BOOL -> "true or false";
      case LIST_STRING -> "a list of strings";
      case LIST_NUMBER -> "a list of numbers";
      case MAP_STRING -> "a mapping of strings";
    };
  }

  private static String known() {
    List<String> all = new ArrayList<>(STAGES.keySet());
    all.addAll(LIST_STAGES.keySet());
    all.addAll(MAP_STAGES.keySet());
    all.add("metrics");
    return String.join(", ", new TreeSet<>(all));
  }
}
