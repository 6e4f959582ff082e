package dev.hostops.render;

import java.util.Map;

/**
 * The Secret and ConfigMap data a service refers to, fetched by the reconciler so rendering stays
 * pure. Maps are name → (key → value); a missing name means the object does not exist.
 */
public record References(Map<String, Map<String, byte[]>> secrets, Map<String, Map<String, byte[]>> configMaps) {
  public static final References NONE = new References(Map.of(), Map.of());
}
