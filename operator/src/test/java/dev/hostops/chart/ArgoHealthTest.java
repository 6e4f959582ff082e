package dev.hostops.chart;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.luaj.vm2.Globals;
import org.luaj.vm2.LuaTable;
import org.luaj.vm2.LuaValue;
import org.luaj.vm2.lib.jse.JsePlatform;

/** The Argo CD health scripts run (in a Lua engine on the JVM) against sample resources. */
class ArgoHealthTest {
  private static final Path SCRIPTS = Path.of("../charts/hostops/argocd");

  static String[] health(String script, String resourceYaml) throws Exception {
    Globals lua = JsePlatform.standardGlobals();
    lua.set("obj", toLua(new YAMLMapper().readTree(resourceYaml)));
    LuaValue hs = lua.load(Files.readString(SCRIPTS.resolve(script)), script).call();
    return new String[] {hs.get("status").tojstring(), hs.get("message").tojstring()};
  }

  static LuaValue toLua(JsonNode n) {
    if (n.isObject()) {
      LuaTable t = new LuaTable();
      n.fields().forEachRemaining(e -> t.set(e.getKey(), toLua(e.getValue())));
      return t;
    }
    if (n.isArray()) {
      LuaTable t = new LuaTable();
      for (int i = 0; i < n.size(); i++) {
        t.set(i + 1, toLua(n.get(i)));
      }
      return t;
    }
    if (n.isBoolean()) {
      return LuaValue.valueOf(n.asBoolean());
    }
    if (n.isNumber()) {
      return LuaValue.valueOf(n.asDouble());
    }
    return n.isNull() ? LuaValue.NIL : LuaValue.valueOf(n.asText());
  }

  static String service(long generation, Long observed, String ready, String progressing, String degraded,
                        String message, boolean suspend) {
    return """
        metadata: {name: web, generation: %d}
        spec: {image: nginx, suspend: %s}
        status:
          %s
          conditions:
            - {type: Ready, status: "%s", message: "%s"}
            - {type: Progressing, status: "%s", message: "%s"}
            - {type: Degraded, status: "%s", message: "%s"}
        """.formatted(generation, suspend, observed == null ? "" : "observedGeneration: " + observed,
        ready, message, progressing, message, degraded, message);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      ready                    | 3 | 3 | True  | False | False | false | Healthy     | running on 2/2 hosts
      status is stale          | 4 | 3 | True  | False | False | false | Progressing | Waiting for hostops to apply generation 4
      never observed           | 1 |   | False | False | False | false | Progressing | Waiting for hostops to apply generation 1
      rolling out              | 3 | 3 | False | True  | False | false | Progressing | running on 2/2 hosts
      rollout halted           | 3 | 3 | False | False | True  | false | Degraded    | running on 2/2 hosts
      suspended                | 3 | 3 | False | False | False | true  | Suspended   | running on 2/2 hosts
      starting, no failure yet | 3 | 3 | False | False | False | false | Progressing | running on 2/2 hosts
      """)
  void hostService(String name, long generation, Long observed, String ready, String progressing, String degraded,
                   boolean suspend, String expected, String message) throws Exception {
    String[] hs = health("health-hostservice.lua",
        service(generation, observed, ready, progressing, degraded, "running on 2/2 hosts", suspend));
    assertEquals(expected, hs[0]);
    assertEquals(message, hs[1]);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      no status yet  | health-hostservice.lua | Progressing | Waiting for hostops to report status
      no status yet  | health-host.lua        | Progressing | Waiting for the first probe
      no status yet  | health-logscrape.lua   | Progressing | Waiting for hostops to report status
      """)
  void withoutStatus(String name, String script, String expected, String message) throws Exception {
    String[] hs = health(script, "metadata: {name: x, generation: 1}\nspec: {}\n");
    assertEquals(expected, hs[0]);
    assertEquals(message, hs[1]);
  }

  @ParameterizedTest(name = "host {0}")
  @CsvSource(delimiter = '|', textBlock = """
      True  | Healthy  | reachable as root
      False | Degraded | host key SHA256:abc presented by 10.0.0.5:22 is not among the pinned knownHosts
      """)
  void host(String ready, String expected, String message) throws Exception {
    String[] hs = health("health-host.lua", """
        metadata: {name: vm1, generation: 2}
        status:
          observedGeneration: 2
          conditions:
            - {type: Reachable, status: "%s", message: "%s"}
            - {type: Ready, status: "%s", message: "%s"}
        """.formatted(ready, message, ready, message));
    assertEquals(expected, hs[0]);
    assertEquals(message, hs[1]);
  }

  @ParameterizedTest(name = "logscrape {0}/{1}")
  @CsvSource(delimiter = '|', textBlock = """
      True  | False | Healthy     | in effect on 2/2 hosts
      False | True  | Degraded    | vm1: job museum is claimed by LogScrape a and LogScrape b
      False | False | Progressing | in effect on 1/2 hosts
      """)
  void logScrape(String ready, String degraded, String expected, String message) throws Exception {
    String[] hs = health("health-logscrape.lua", """
        metadata: {name: s, generation: 1}
        status:
          observedGeneration: 1
          conditions:
            - {type: Ready, status: "%s", message: "%s"}
            - {type: Degraded, status: "%s", message: "%s"}
        """.formatted(ready, message, degraded, message));
    assertEquals(expected, hs[0]);
    assertEquals(message, hs[1]);
  }
}
