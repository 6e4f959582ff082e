package dev.hostops.host;

import java.util.HashMap;
import java.util.Map;

/** What the Host reconciler learns about a host, in one round trip. */
public record HostFacts(String os, String kernel, String systemdVersion, String dockerVersion, String composeCommand,
                        int services, String hostname, String promtailConfigHash, String alloyConfigHash,
                        boolean logConfigOwned) {

  public static final String SCRIPT = """
      . /etc/os-release 2>/dev/null
      printf 'os\\t%s\\n' "$PRETTY_NAME"
      printf 'kernel\\t%s\\n' "$(uname -r)"
      printf 'systemd\\t%s\\n' "$(systemctl --version | head -n1 | cut -d' ' -f2)"
      printf 'docker\\t%s\\n' "$(docker version -f '{{.Server.Version}}' 2>/dev/null)"
      printf 'services\\t%s\\n' "$(ls /var/lib/hostops/services 2>/dev/null | wc -l)"
      printf 'hostname\\t%s\\n' "$(hostname)"
      printf 'promtail\\t%s\\n' "$(sha256sum < /root/promtail/promtail.yaml 2>/dev/null | cut -c1-16)"
      printf 'alloy\\t%s\\n' "$(sha256sum < /root/alloy/config.alloy 2>/dev/null | cut -c1-16)"
      [ -f /var/lib/hostops/logagent ] && printf 'logowned\\tyes\\n'
      if docker compose version >/dev/null 2>&1; then echo 'compose\tdocker compose'
      elif command -v docker-compose >/dev/null 2>&1; then echo 'compose\tdocker-compose'; fi
      """;

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
