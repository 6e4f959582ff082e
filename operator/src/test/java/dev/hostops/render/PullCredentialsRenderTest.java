package dev.hostops.render;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostops.api.ComposeSpec;
import dev.hostops.api.HostService;
import dev.hostops.api.ObjectName;
import dev.hostops.api.PreStartStep;
import dev.hostops.host.ApplyPlan;
import dev.hostops.host.ApplyPlanner;
import dev.hostops.host.ServiceObservation;
import dev.hostops.host.ServiceObservation.ContainerState;
import dev.hostops.host.ServiceObservation.FileState;
import dev.hostops.host.ServiceObservation.UnitState;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** imagePullSecrets: the service's own Docker config, every pull using it, no restart on rotation, nothing leaked. */
class PullCredentialsRenderTest {
  private static final String PASSWORD = "hunter2-very-secret";
  private static final String CONFIG = "/root/app/.docker/config.json";

  static String auth(String user, String password) {
    return Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static Map<String, byte[]> dockerConfigJson(String registry, String password) {
    return Map.of(".dockerconfigjson", ("{\"auths\":{\"" + registry + "\":{\"username\":\"ci\",\"password\":\""
        + password + "\",\"auth\":\"" + auth("ci", password) + "\"}}}").getBytes(StandardCharsets.UTF_8));
  }

  static References refs(Map<String, Map<String, byte[]>> secrets, Map<String, String> types) {
    return new References(secrets, Map.of(), types);
  }

  static HostService app(String... pullSecrets) {
    HostService s = UnitRendererTest.service("app", "registry.example.com/team/app:v1");
    s.getSpec().imagePullSecrets = Stream.of(pullSecrets).map(ObjectName::new).toList();
    return s;
  }

  static String unit(RenderedService r) {
    return r.files().get(0).contentAsText();
  }

  static JsonNode config(RenderedService r) throws Exception {
    return new ObjectMapper().readTree(r.files().stream().filter(f -> f.path().equals(CONFIG)).findFirst()
        .orElseThrow().content());
  }

  @Test
  void everyPullOfTheServiceUsesItsOwnDockerConfig() throws Exception {
    HostService s = app("regcred");
    PreStartStep migrate = new PreStartStep();
    migrate.image = "registry.example.com/team/migrate:v1";
    migrate.args = List.of("up");
    s.getSpec().preStart = List.of(migrate);
    RenderedService r = ServiceRenderer.render(s, refs(Map.of("regcred", dockerConfigJson("registry.example.com",
        PASSWORD)), Map.of("regcred", RegistryCredentials.DOCKERCONFIGJSON)), HostContext.DEFAULT);
    String unit = unit(r);
    assertTrue(unit.contains("ExecStartPre=-/usr/bin/docker --config /root/app/.docker pull "
        + "registry.example.com/team/app:v1\n"), unit);
    assertTrue(unit.contains("ExecStartPre=-/usr/bin/docker --config /root/app/.docker pull "
        + "registry.example.com/team/migrate:v1\n"), unit);
    assertFalse(unit.contains(" pull registry.example.com/team/app:v1\nExecStartPre=-/usr/bin/docker pull"), unit);
    HostFile file = r.files().stream().filter(f -> f.path().equals(CONFIG)).findFirst().orElseThrow();
    assertEquals("600", file.mode());
    assertTrue(file.secret(), "render and logs show a placeholder");
    assertFalse(file.toString().contains(PASSWORD));
    assertTrue(r.directories().contains(new HostDirectory("/root/app/.docker", "700")), r.directories().toString());
    assertTrue(r.directories().contains(new HostDirectory("/root/app", "700")), r.directories().toString());
    assertEquals(auth("ci", PASSWORD), config(r).at("/auths/registry.example.com/auth").asText());
    assertTrue(config(r).at("/auths/registry.example.com/password").isMissingNode(), "auth alone, as every client reads it");
  }

  @Test
  void withoutPullSecretsThePullIsTheRunbooksOwn() {
    RenderedService r = ServiceRenderer.render(UnitRendererTest.service("app", "registry.example.com/team/app:v1"));
    assertTrue(unit(r).contains("ExecStartPre=-/usr/bin/docker pull registry.example.com/team/app:v1\n"));
    assertTrue(r.files().stream().noneMatch(f -> f.path().contains(".docker")));
  }

  @Test
  void anImagePinnedByDigestIsNotPulledAtStartAndRunPullsItWithTheCredentialsOnlyWhenMissing() throws Exception {
    String pinned = "registry.example.com/team/app@sha256:" + "ab".repeat(32);
    HostService p = UnitRendererTest.service("app", pinned);
    p.getSpec().pull = "Always";
    RenderedService plain = ServiceRenderer.render(p);
    assertFalse(unit(plain).contains(" pull "), unit(plain));
    assertTrue(unit(plain).contains("ExecStart=/usr/bin/docker run --name app "), unit(plain));
    HostService s = app("regcred");
    s.getSpec().image = pinned;
    s.getSpec().pull = "Always";
    RenderedService withCredentials = render(s, refs(Map.of("regcred", dockerConfigJson("registry.example.com",
        PASSWORD)), Map.of()));
    assertFalse(unit(withCredentials).contains(" pull "), unit(withCredentials));
    assertTrue(unit(withCredentials).contains("ExecStart=/usr/bin/docker --config /root/app/.docker run --name app "),
        unit(withCredentials));
  }

  @Test
  void composeProjectsPullWithTheCredentialsToo() throws Exception {
    HostService s = app("regcred");
    s.getSpec().image = null;
    s.getSpec().compose = new ComposeSpec();
    s.getSpec().compose.content = "services: {}\n";
    References refs = refs(Map.of("regcred", dockerConfigJson("r.example.com", PASSWORD)), Map.of());
    String plugin = unit(ServiceRenderer.render(s, refs, new HostContext("docker compose")));
    assertTrue(plugin.contains("ExecStartPre=-/usr/bin/docker --config /root/app/.docker compose -p app -f "
        + "/root/app/compose.yaml pull\n"), plugin);
    String v1 = unit(ServiceRenderer.render(s, refs, new HostContext("docker-compose")));
    assertTrue(v1.contains("ExecStartPre=-/usr/bin/env DOCKER_CONFIG=/root/app/.docker /usr/bin/docker-compose -p app "
        + "-f /root/app/compose.yaml pull\n"), v1);
    assertTrue(v1.contains("ExecStart=/usr/bin/docker-compose -p app -f /root/app/compose.yaml up"), v1);
  }

  @Test
  void hostDefaultsFollowTheServicesOwnAndTheFirstSecretForARegistryWins() throws Exception {
    Map<String, Map<String, byte[]>> secrets = new HashMap<>();
    secrets.put("own", dockerConfigJson("shared.example.com", "own-password"));
    secrets.put("host-default", dockerConfigJson("shared.example.com", "host-password"));
    // the older kubernetes.io/dockercfg shape: registries at the top level, username and password
    secrets.put("legacy", Map.of(".dockercfg", "{\"old.example.com\":{\"username\":\"u\",\"password\":\"p\",\"email\":\"x@y\"}}"
        .getBytes(StandardCharsets.UTF_8)));
    References refs = refs(secrets, Map.of("legacy", RegistryCredentials.DOCKERCFG));
    RenderedService r = ServiceRenderer.render(app("own"), refs, new HostContext("docker compose",
        List.of("host-default", "legacy")));
    JsonNode auths = config(r).get("auths");
    assertEquals(auth("ci", "own-password"), auths.at("/shared.example.com/auth").asText());
    assertEquals(auth("u", "p"), auths.at("/old.example.com/auth").asText());
    assertEquals(2, auths.size());

    HostService none = UnitRendererTest.service("app", "registry.example.com/team/app:v1");
    RenderedService fromHost = ServiceRenderer.render(none, refs, new HostContext("docker compose", List.of("legacy")));
    assertTrue(unit(fromHost).contains("--config /root/app/.docker pull"), "the Host's defaults apply alone too");
  }

  static Stream<Arguments> refused() {
    byte[] broken = ("{\"auths\":{\"r.example.com\":{\"auth\":\"" + PASSWORD + "\"").getBytes(StandardCharsets.UTF_8);
    return Stream.of(
        Arguments.of("missing", Map.of(), Map.of(), "spec.imagePullSecrets[0]: Secret regcred not found"),
        Arguments.of("wrong type", Map.of("regcred", Map.of("password", PASSWORD.getBytes(StandardCharsets.UTF_8))),
            Map.of("regcred", "Opaque"), "spec.imagePullSecrets[0]: Secret regcred is of type Opaque; image pull "
                + "Secrets are of type kubernetes.io/dockerconfigjson or kubernetes.io/dockercfg"),
        Arguments.of("no key", Map.of("regcred", Map.of("x", new byte[0])),
            Map.of("regcred", RegistryCredentials.DOCKERCONFIGJSON),
            "spec.imagePullSecrets[0]: Secret regcred has no key .dockerconfigjson"),
        Arguments.of("not JSON", Map.of("regcred", Map.of(".dockerconfigjson", broken)), Map.of(),
            "spec.imagePullSecrets[0]: Secret regcred: .dockerconfigjson is not valid JSON"),
        Arguments.of("no auths", Map.of("regcred", Map.of(".dockerconfigjson",
            ("{\"r.example.com\":{\"auth\":\"" + PASSWORD + "\"}}").getBytes(StandardCharsets.UTF_8))), Map.of(),
            "spec.imagePullSecrets[0]: Secret regcred: .dockerconfigjson has no \"auths\" object"),
        Arguments.of("entry without credentials", Map.of("regcred", Map.of(".dockerconfigjson",
            ("{\"auths\":{\"r.example.com\":{\"email\":\"" + PASSWORD + "\"}}}").getBytes(StandardCharsets.UTF_8))),
            Map.of(), "spec.imagePullSecrets[0]: Secret regcred: the entry for r.example.com has neither auth nor "
                + "username and password"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void badPullSecretsAreRefusedByFieldWithoutTheirContent(String what, Map<String, Map<String, byte[]>> secrets,
                                                          Map<String, String> types, String expected) {
    var e = assertThrows(ServiceRenderer.InvalidServiceException.class,
        () -> ServiceRenderer.render(app("regcred"), refs(secrets, types), HostContext.DEFAULT));
    assertEquals(List.of(expected), e.problems());
    assertFalse(e.getMessage().contains(PASSWORD), e.getMessage());
  }

  @Test
  void aRotatedSecretRewritesTheFileWithoutRestartingOrReloading() {
    References before = refs(Map.of("regcred", dockerConfigJson("r.example.com", "old")), Map.of());
    References after = refs(Map.of("regcred", dockerConfigJson("r.example.com", "new")), Map.of());
    HostService s = app("regcred");
    s.getSpec().reload = List.of("kill", "-HUP", "1");
    RenderedService applied = render(s, before);
    RenderedService rotated = render(s, after);
    ApplyPlan plan = ApplyPlanner.plan(rotated, running(applied));
    assertEquals(List.of(CONFIG), plan.writes().stream().map(HostFile::path).toList());
    assertTrue(plan.restart().isEmpty() && plan.reload().isEmpty() && plan.start().isEmpty(), plan.describe());
    assertFalse(plan.describe().contains("new"), plan.describe());

    // adding credentials changes the unit (docker --config): that is a restart, like any spec change
    HostService plain = UnitRendererTest.service("app", "registry.example.com/team/app:v1");
    ApplyPlan added = ApplyPlanner.plan(rotated, running(ServiceRenderer.render(plain)));
    assertEquals(List.of("app.service"), added.restart());
  }

  static RenderedService render(HostService s, References refs) {
    try {
      return ServiceRenderer.render(s, refs, HostContext.DEFAULT);
    } catch (ServiceRenderer.InvalidServiceException e) {
      throw new AssertionError(e.getMessage());
    }
  }

  /** What a probe sees where {@code applied} runs: every file in place, unit active, container running. */
  static ServiceObservation running(RenderedService applied) {
    Map<String, FileState> files = new HashMap<>();
    applied.files().forEach(f -> files.put(f.path(), new FileState(f.mode(), f.sha256())));
    UnitState active = new UnitState("loaded", "active", "running", "enabled", "success", "0", "", "");
    return new ServiceObservation(applied.name(), applied.owner(), applied.files().stream().map(HostFile::path).toList(),
        files, active, UnitState.UNKNOWN, new ContainerState("running", "2026-01-01T00:00:00Z", "sha256:1", List.of(),
        "", 1, 1), false);
  }

  @Test
  void theDockerErrorSaysUnauthorizedInWords() {
    ServiceObservation seen = new ServiceObservation("app", "ns/app", List.of(), Map.of(), UnitState.UNKNOWN,
        UnitState.UNKNOWN, ContainerState.ABSENT, false, Map.of(), "Error response from daemon: Head \"http://r:5001/v2/x/manifests/v1\": "
        + "no basic auth credentials");
    assertNotNull(seen.dockerErrorSummary());
    assertTrue(seen.dockerErrorSummary().startsWith("image pull unauthorized: "), seen.dockerErrorSummary());
  }
}
