package dev.hostops.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** `hostops render` over examples/: golden output, regenerate with -Dgolden.update=true and review. */
class RenderCommandTest {
  @Test
  void rendersEveryExamplePerHost() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = RenderCommand.run(List.of(Path.of("src/test/resources/render/hosts.yaml"), Path.of("../examples")),
        "demo", new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals("", err.toString(StandardCharsets.UTF_8));
    assertEquals(0, exit);
    Path golden = Path.of("src/test/resources/render/examples.txt");
    if (Boolean.getBoolean("golden.update")) {
      Files.writeString(golden, out.toString(StandardCharsets.UTF_8));
    }
    assertEquals(Files.readString(golden), out.toString(StandardCharsets.UTF_8));
  }

  @Test
  void reportsInvalidResourcesByFieldAndFails() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit = RenderCommand.run(List.of(Path.of("src/test/resources/render/invalid.yaml")), "demo",
        new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
    assertEquals(2, exit);
    assertEquals("""
        HostService demo/broken: spec.image: 'nginx; reboot' is not a Docker image reference
        HostService demo/broken: spec.ports[0]: '80:80 -v /:/host' is not [ip:][hostPort:]containerPort[/udp]
        """, err.toString(StandardCharsets.UTF_8));
    assertEquals("", out.toString(StandardCharsets.UTF_8));
  }

  /** The log agents' positions live in a host folder mounted read-write where the config puts them. */
  @Test
  void logAgentExamplesKeepTheirPositionsOnTheHost() throws Exception {
    String promtail = unit("../examples/promtail.yaml");
    String positions = dev.hostops.render.LogConfigRenderer.PROMTAIL_POSITIONS;
    assertTrue(promtail.contains(" -v /root/promtail/data:" + positions.substring(0, positions.lastIndexOf('/')) + " "),
        promtail);
    String alloy = unit("../examples/alloy.yaml.example");
    String storage = dev.hostops.render.LogConfigRenderer.ALLOY_STORAGE;
    assertTrue(alloy.contains(" -v /root/alloy/data:" + storage + " ") && alloy.contains("--storage.path=" + storage),
        alloy);
  }

  private static String unit(String file) throws Exception {
    dev.hostops.api.HostService s = (dev.hostops.api.HostService) Manifests.read(List.of(Path.of(file)), "demo").get(0);
    return dev.hostops.render.ServiceRenderer.render(s).files().get(0).contentAsText();
  }
}
