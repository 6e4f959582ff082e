package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hostops.api.ComposeSpec;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.ObjectName;
import dev.hostops.render.HostContext;
import dev.hostops.render.References;
import dev.hostops.render.RenderProblem.Reason;
import dev.hostops.render.RenderProblem;
import dev.hostops.render.ServiceRenderer.InvalidServiceException;
import dev.hostops.render.ServiceRenderer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Whom a render problem holds up is decided by its reason; its words are for people and may change. */
class RenderProblemReasonTest {
  /** Each reason's problems in the words a render writes, in other words, and in the words of another reason. */
  static final List<String> WORDINGS = List.of(
      "spec.compose: the host has neither `docker compose` nor `docker-compose`",
      "the Host's spec.imagePullSecrets[0]: Secret regcred not found",
      "spec.files[0].secretRef: Secret web-tls not found",
      "reworded: anything at all",
      "");

  @ParameterizedTest
  @EnumSource(Reason.class)
  void theReasonAloneDecidesWhomAProblemHoldsUp(Reason reason) {
    for (String words : WORDINGS) {
      var e = new InvalidServiceException(List.of(new RenderProblem(reason, words)));
      assertEquals(reason, ServiceObserver.holdsUp(e), reason + " worded as '" + words + "'");
      var twice = new InvalidServiceException(List.of(new RenderProblem(reason, words),
          new RenderProblem(reason, "a second one, " + words)));
      assertEquals(reason, ServiceObserver.holdsUp(twice), reason + " twice, worded as '" + words + "'");
    }
  }

  @Test
  void problemsOfMixedReasonsHoldUpTheServiceEverywhere() {
    for (Reason a : Reason.values()) {
      for (Reason b : Reason.values()) {
        if (a != b) {
          var e = new InvalidServiceException(List.of(new RenderProblem(a, "one"), new RenderProblem(b, "two")));
          assertEquals(Reason.SERVICE, ServiceObserver.holdsUp(e), a + " with " + b);
        }
      }
    }
  }

  @Test
  void aRenderGivesEachProblemItsReason() {
    assertEquals(Reason.HOST_LACKS_COMPOSE, holdsUp(compose(), new HostContext(null, List.of())));
    assertEquals(Reason.HOST_SETTINGS, holdsUp(image(), new HostContext("docker compose", List.of("host-regcred"))));
    HostService own = image();
    own.getSpec().imagePullSecrets = List.of(new ObjectName("regcred"));
    assertEquals(Reason.SERVICE, holdsUp(own, HostContext.DEFAULT));
    // the host lacks compose and its own pull Secret is missing: as before, the service is held everywhere
    assertEquals(Reason.SERVICE, holdsUp(compose(), new HostContext(null, List.of("host-regcred"))));
  }

  private static Reason holdsUp(HostService service, HostContext host) {
    return ServiceObserver.holdsUp(assertThrows(InvalidServiceException.class,
        () -> ServiceRenderer.render(service, References.NONE, host)));
  }

  private static HostService image() {
    HostService s = new HostService();
    s.setMetadata(new ObjectMetaBuilder().withName("web").withNamespace("prod").build());
    s.setSpec(new HostServiceSpec());
    s.getSpec().image = "registry.example.com/team/web:v1";
    s.getSpec().hosts = Stream.of("vm1").toList();
    return s;
  }

  private static HostService compose() {
    HostService s = image();
    s.getSpec().image = null;
    s.getSpec().compose = new ComposeSpec();
    s.getSpec().compose.content = "services: {web: {image: nginx}}\n";
    return s;
  }
}
