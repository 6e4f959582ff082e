package dev.hostops.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.ObjectName;
import dev.hostops.api.ServiceDirectory;
import dev.hostops.api.ServiceFile;
import dev.hostops.host.ApplyPlan;
import dev.hostops.host.ApplyPlanner;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** spec.directories: a whole Secret or ConfigMap as a folder of files, mounted; keys come and go with their files. */
class ConfigDirectoryRenderTest {
  static Map<String, byte[]> data(String... keysAndValues) {
    Map<String, byte[]> m = new HashMap<>();
    for (int i = 0; i < keysAndValues.length; i += 2) {
      m.put(keysAndValues[i], keysAndValues[i + 1].getBytes(StandardCharsets.UTF_8));
    }
    return m;
  }

  static HostService web(boolean reload) {
    HostService s = UnitRendererTest.service("web", "nginx:1.27");
    ServiceDirectory conf = new ServiceDirectory();
    conf.name = "conf.d";
    conf.mountPath = "/etc/nginx/conf.d";
    conf.configMapRef = new ObjectName("web-conf");
    ServiceDirectory tls = new ServiceDirectory();
    tls.name = "tls";
    tls.mountPath = "/etc/tls";
    tls.readOnly = true;
    tls.secretRef = new ObjectName("web-tls");
    s.getSpec().directories = List.of(conf, tls);
    if (reload) {
      s.getSpec().reload = List.of("nginx", "-s", "reload");
    }
    return s;
  }

  static RenderedService render(HostService s, Map<String, byte[]> conf, Map<String, byte[]> tls) {
    try {
      return ServiceRenderer.render(s, new References(Map.of("web-tls", tls), Map.of("web-conf", conf)),
          HostContext.DEFAULT);
    } catch (ServiceRenderer.InvalidServiceException e) {
      throw new AssertionError(e.getMessage());
    }
  }

  @Test
  void everyKeyIsAFileAndTheFolderIsMounted() {
    RenderedService r = render(web(true), data("default.conf", "server {}\n", "b.conf", "b"),
        data("tls.crt", "CERT", "tls.key", "KEY"));
    String unit = r.files().get(0).contentAsText();
    assertTrue(unit.contains(" -v /root/web/conf.d:/etc/nginx/conf.d:ro -v /root/web/tls:/etc/tls:ro "), unit);
    Map<String, String> modes = new HashMap<>();
    r.files().forEach(f -> modes.put(f.path(), f.mode() + (f.secret() ? " secret" : "")));
    assertEquals("644", modes.get("/root/web/conf.d/default.conf"));
    assertEquals("644", modes.get("/root/web/conf.d/b.conf"));
    assertEquals("600 secret", modes.get("/root/web/tls/tls.key"));
    assertEquals("600 secret", modes.get("/root/web/tls/tls.crt"));
    assertEquals(List.of(new HostDirectory("/root/web", "700"), new HostDirectory("/root/web/conf.d", "755"),
        new HostDirectory("/root/web/tls", "700")), r.directories());
    assertTrue(r.files().stream().noneMatch(HostFile::inPlace), "a folder mount sees renames: atomic writes");
  }

  @Test
  void keysAddedOrRemovedReloadAReloadableServiceAndRestartAnother() {
    for (boolean reloadable : List.of(true, false)) {
      HostService s = web(reloadable);
      RenderedService applied = render(s, data("a.conf", "a", "b.conf", "b"), data("tls.key", "K"));
      RenderedService next = render(s, data("a.conf", "a2", "c.conf", "c"), data("tls.key", "K"));
      ApplyPlan plan = ApplyPlanner.plan(next, PullCredentialsRenderTest.running(applied));
      assertEquals(List.of("/root/web/conf.d/a.conf", "/root/web/conf.d/c.conf"),
          plan.writes().stream().map(HostFile::path).sorted().toList());
      assertEquals(List.of("/root/web/conf.d/b.conf"), plan.removals());
      assertEquals(reloadable ? List.of("web.service") : List.of(), plan.reload(), plan.describe());
      assertEquals(reloadable ? List.of() : List.of("web.service"), plan.restart(), plan.describe());

      RenderedService rotated = render(s, data("a.conf", "a", "b.conf", "b"), data("tls.key", "K2"));
      ApplyPlan secret = ApplyPlanner.plan(rotated, PullCredentialsRenderTest.running(applied));
      assertEquals(reloadable ? List.of("web.service") : List.of(), secret.reload(), secret.describe());
      assertTrue(!secret.describe().contains("K2"), "no secret in what is logged");
    }
  }

  @Test
  void aKeyThatIsNotAFileNameOrADirectoryNamedLikeAFileIsRefusedByField() {
    var e = assertThrows(ServiceRenderer.InvalidServiceException.class, () -> ServiceRenderer.render(web(false),
        new References(Map.of("web-tls", data("..", "x")), Map.of("web-conf", data("a.conf", "a"))), HostContext.DEFAULT));
    assertEquals(List.of("spec.directories[1].secretRef: key '..' of web-tls is not a file name"), e.problems());

    var missing = assertThrows(ServiceRenderer.InvalidServiceException.class, () -> ServiceRenderer.render(web(false),
        new References(Map.of(), Map.of("web-conf", data("a.conf", "a"))), HostContext.DEFAULT));
    assertEquals(List.of("spec.directories[1].secretRef: Secret web-tls not found"), missing.problems());

    HostService clash = web(false);
    ServiceFile f = new ServiceFile();
    f.name = "tls";
    f.content = "x";
    clash.getSpec().files = List.of(f);
    assertEquals(List.of("spec.directories[1].name: tls is already the name of a file or directory of this service"),
        ServiceValidation.problems(clash));
  }
}
