package dev.hostops.host;

import java.util.HashMap;
import java.util.Map;

/** What the Host reconciler learns about a host, in one round trip (host/facts.sh, the "facts" record). */
public record HostFacts(String os, String kernel, String systemdVersion, String dockerVersion, String composeCommand,
                        int services, String hostname, String promtailConfigHash, String alloyConfigHash,
                        boolean logConfigOwned) {

  public static HostFacts parse(String output) {
    Map<String, String> m = new HashMap<>();
    for (String line : output.split("\n")) {
      int tab = line.indexOf('\t');
      if (tab > 0) {
        m.put(line.substring(0, tab), line.substring(tab + 1).strip());
      }
    }
    int services;
    try {
      services = Integer.parseInt(m.getOrDefault("services", "0"));
    } catch (NumberFormatException e) {
      services = 0;
    }
    return new HostFacts(m.get("os"), m.get("kernel"), m.get("systemd"), emptyToNull(m.get("docker")),
        emptyToNull(m.get("compose")), services, m.get("hostname"), emptyToNull(m.get("promtail")),
        emptyToNull(m.get("alloy")), "yes".equals(m.get("logowned")));
  }

  /** The hash of the config file of the given format on the host, or null when there is none. */
  public String logConfigHash(String format) {
    return "alloy".equals(format) ? alloyConfigHash : promtailConfigHash;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
