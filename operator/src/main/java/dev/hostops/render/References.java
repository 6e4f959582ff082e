package dev.hostops.render;

import java.util.Map;

/**
 * The Secret and ConfigMap data a service refers to, fetched by the reconciler so rendering stays
 * pure. Maps are name → (key → value); a missing name means the object does not exist.
 * {@code secretTypes} holds each Secret's type where it is known (name → type).
 */
public record References(Map<String, Map<String, byte[]>> secrets, Map<String, Map<String, byte[]>> configMaps,
                         Map<String, String> secretTypes) {
  public static final References NONE = new References(Map.of(), Map.of());

  public References(Map<String, Map<String, byte[]>> secrets, Map<String, Map<String, byte[]>> configMaps) {
    this(secrets, configMaps, Map.of());
  }
}
