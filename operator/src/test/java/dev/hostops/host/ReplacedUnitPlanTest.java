package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.host.ServiceObservation.ContainerState;
import dev.hostops.host.ServiceObservation.FileState;
import dev.hostops.host.ServiceObservation.UnitState;
import dev.hostops.render.HostContext;
import dev.hostops.render.HostFile;
import dev.hostops.render.References;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * spec.replaces, as plans: the hand-written unit is stopped before the service starts (never two
 * containers), retired after it (the host removes it once the service runs), and tried again while it is
 * there; a unit hostops wrote is never replaced. Pure (AdoptImportedUnitTest does it on a real host).
 */
class ReplacedUnitPlanTest {
  private static final String OLD = "/etc/systemd/system/museum.nginx.service";
  private static final String OLD_UNIT = """
      [Service]
      ExecStart=/usr/bin/docker run --name museum.nginx nginx:1.27
      """;
  private static final UnitState RUNNING = new UnitState("loaded", "active", "running", "enabled", "success", "0", "",
      "");

  static RenderedService desired() throws Exception {
    HostService s = new HostService();
    s.setMetadata(new ObjectMetaBuilder().withName("museum-nginx").withNamespace("prod").build());
    s.setSpec(new HostServiceSpec());
    s.getSpec().image = "nginx:1.27";
    s.getSpec().hosts = List.of("vm1");
    s.getSpec().adopt = true;
    s.getSpec().replaces = "museum.nginx.service";
    return ServiceRenderer.render(s, new References(Map.of(), Map.of()), HostContext.DEFAULT);
  }

  @Test
  void theOldUnitIsStoppedFirstAndRetiredOnceTheServiceRuns() throws Exception {
    RenderedService d = desired();
    ServiceObservation seen = new ServiceObservation("museum-nginx", null, List.of(),
        Map.of(d.files().get(0).path(), FileState.ABSENT, OLD, new FileState("644", "a".repeat(64))),
        UnitState.UNKNOWN, UnitState.UNKNOWN, ContainerState.ABSENT, false, Map.of(OLD, OLD_UNIT), null);
    ApplyPlan plan = ApplyPlanner.plan(d, seen);
    assertNull(plan.refusal());
    assertEquals(List.of("museum.nginx.service"), plan.stop());
    assertTrue(plan.restartsService(), plan.describe());
    assertEquals(List.of("museum.nginx.service", "museum.nginx"), plan.retire());
    assertTrue(plan.managedFiles().contains(OLD), "listed among the service's files until it is gone");
    assertFalse(plan.removals().contains(OLD));
    assertFalse(plan.writes().stream().anyMatch(f -> f.path().equals(OLD)), "hostops never writes the old unit");

    // the records in the order the host acts on them: stop the old unit, start the new one, settle, retire
    List<String> records = new String(HostApplier.manifest(List.of(plan), List.of()).bytes(), StandardCharsets.UTF_8)
        .lines().map(l -> l.split(" ")[0]).toList();
    int stop = records.indexOf("stop");
    assertTrue(stop >= 0 && stop < records.indexOf("restart") && records.indexOf("restart") < records.indexOf("settle")
        && records.indexOf("settle") < records.indexOf("retire"), records.toString());
    assertTrue(new String(HostApplier.manifest(List.of(plan), List.of()).bytes(), StandardCharsets.UTF_8)
        .contains("retire museum.nginx.service museum-nginx museum.nginx\n"));
  }

  @Test
  void whileTheOldUnitIsThereEachApplyTriesAgainWithoutStoppingTheRunningService() throws Exception {
    RenderedService d = desired();
    Map<String, FileState> files = new HashMap<>();
    d.files().forEach(f -> files.put(f.path(), new FileState(f.mode(), f.sha256())));
    files.put(OLD, new FileState("644", "a".repeat(64)));
    List<String> managed = new java.util.ArrayList<>(d.files().stream().map(HostFile::path).toList());
    managed.add(OLD);
    ServiceObservation seen = new ServiceObservation("museum-nginx", d.owner(), managed, files, RUNNING,
        UnitState.UNKNOWN, new ContainerState("running", "2026-01-01T00:00:00Z", "sha256:1", List.of(), "", 1, 1),
        false, Map.of(OLD, OLD_UNIT), null);
    ApplyPlan plan = ApplyPlanner.plan(d, seen);
    assertEquals(List.of(), plan.stop(), "the running service is not stopped; the host's retire stops the old unit");
    assertFalse(plan.restartsService());
    assertEquals(List.of(), plan.removals());
    assertEquals(List.of("museum.nginx.service", "museum.nginx"), plan.retire());
    assertFalse(plan.isNoop());

    // once it is gone: nothing to do
    files.put(OLD, FileState.ABSENT);
    managed.remove(OLD);
    ServiceObservation after = new ServiceObservation("museum-nginx", d.owner(), managed, files, RUNNING,
        UnitState.UNKNOWN, new ContainerState("running", "2026-01-01T00:00:00Z", "sha256:1", List.of(), "", 1, 1),
        false, Map.of(), null);
    assertTrue(ApplyPlanner.plan(d, after).isNoop(), ApplyPlanner.plan(d, after).describe());
  }

  @Test
  void aUnitHostopsWroteIsNeverReplaced() throws Exception {
    RenderedService d = desired();
    ServiceObservation seen = new ServiceObservation("museum-nginx", null, List.of(),
        Map.of(OLD, new FileState("644", "a".repeat(64))), UnitState.UNKNOWN, UnitState.UNKNOWN,
        ContainerState.ABSENT, false,
        Map.of(OLD, "# Managed by hostops for HostService prod/other. Edits here are reverted.\n" + OLD_UNIT), null);
    ApplyPlan plan = ApplyPlanner.plan(d, seen);
    assertTrue(plan.refusal() != null && plan.refusal().startsWith("spec.replaces: museum.nginx.service was written "
        + "by hostops"), String.valueOf(plan.refusal()));
  }
}
