package dev.hostops.host;

import java.util.HashMap;
import java.util.Map;

/** What the Host reconciler learns about a host, in one round trip. */
public record HostFacts(String os, String kernel, String systemdVersion, String dockerVersion, String composeCommand,
                        int services) {

  public static final String SCRIPT = """
      . /etc/os-release 2>/dev/null
      printf 'os\\t%s\\n' "$PRETTY_NAME"
      printf 'kernel\\t%s\\n' "$(uname -r)"
      printf 'systemd\\t%s\\n' "$(systemctl --version | head -n1 | cut -d' ' -f2)"
      printf 'docker\\t%s\\n' "$(docker version -f '{{.Server.Version}}' 2>/dev/null)"
      printf 'services\\t%s\\n' "$(ls /var/lib/hostops/services 2>/dev/null | wc -l)"
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
        emptyToNull(m.get("compose")), services);
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
