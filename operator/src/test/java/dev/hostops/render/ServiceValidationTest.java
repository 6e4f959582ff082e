package dev.hostops.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hostops.api.ComposeSpec;
import dev.hostops.api.EnvVar;
import dev.hostops.api.ScheduleSpec;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import dev.hostops.api.Volume;
import dev.hostops.api.HostService;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class ServiceValidationTest {
  static Stream<Arguments> invalid() {
    return Stream.of(
        Arguments.of((Consumer<HostService>) s -> s.getMetadata().setName("Bad_Name"), "metadata.name: must be a DNS label"),
        Arguments.of((Consumer<HostService>) s -> s.getMetadata().setName("docker"), "metadata.name: 'docker' would replace"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().image = "nginx; reboot", "spec.image: 'nginx; reboot' is not"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().image = "Nginx", "spec.image: 'Nginx' is not"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().image = null, "spec.image: required"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().hosts = List.of(), "spec.hosts: name at least one host"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().restartedAt = "2026-12-07T10:00:00Z\nExecStartPre=/bin/sh",
            "spec.restartedAt: '2026-12-07T10:00:00Z\\x0aExecStartPre=/bin/sh' is not an RFC 3339 time"),
        Arguments.of((Consumer<HostService>) s -> {
          s.getSpec().image = "r/web@sha256:" + "a".repeat(64);
          s.getSpec().update = new dev.hostops.api.UpdateSpec();
        }, "spec.update: spec.image must be a tag, not a digest"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().ports = List.of("80:80 -v /:/host"), "spec.ports[0]:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().ports = List.of("80:80/icmp"), "spec.ports[0]:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().env = List.of(new EnvVar("A B", "x")), "spec.env[0].name:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().env = List.of(new EnvVar("A", "1"), new EnvVar("A", "2")),
            "spec.env[1].name: A is given twice"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().pull = "Sometimes", "spec.pull:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().args = List.of("a\0b"), "spec.args[0]:"),
        Arguments.of(files("../etc/passwd"), "spec.files[0].name: a plain file name"),
        Arguments.of(files("/etc/passwd"), "spec.files[0].name: a plain file name"),
        Arguments.of(files("a/b"), "spec.files[0].name: a plain file name"),
        Arguments.of(files(".hidden"), "spec.files[0].name: a plain file name"),
        Arguments.of(files("secret-x.env"), "spec.files[0].name: a plain file name"),
        Arguments.of((Consumer<HostService>) s -> {
          files("ok.conf").accept(s);
          s.getSpec().files.get(0).mountPath = "/etc/x:/host:rw";
        }, "spec.files[0].mountPath: an absolute path without ':'"),
        Arguments.of((Consumer<HostService>) s -> {
          files("ok.conf").accept(s);
          s.getSpec().files.get(0).secretRef = new ValueSource("s", "k");
        }, "spec.files[0]: set exactly one of secretRef, configMapRef, content"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().extraArgs = List.of("--privileged"),
            "spec.extraArgs[0]: '--privileged' is not an allowed docker run flag"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().extraArgs = List.of("--volume=/:/host"),
            "spec.extraArgs[0]: '--volume=/:/host' is not an allowed docker run flag"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().extraArgs = List.of("--memory"),
            "spec.extraArgs[0]: write --memory=VALUE as one item"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().hostname = "a b", "spec.hostname:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().addHosts = List.of("x;reboot:1.2.3.4"), "spec.addHosts[0]:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().capAdd = List.of("ALL; reboot"), "spec.capAdd[0]:"),
        Arguments.of((Consumer<HostService>) s -> {
          Volume v = new Volume();
          v.hostPath = "/data";
          v.name = "data";
          v.mountPath = "/data";
          s.getSpec().volumes = List.of(v);
        }, "spec.volumes[0]: set exactly one of hostPath, name"),
        Arguments.of((Consumer<HostService>) s -> {
          s.getSpec().reload = List.of("caddy", "reload");
          s.getSpec().reloadWorkdir = "etc/caddy";
        }, "spec.reloadWorkdir: 'etc/caddy' is not an absolute path"),
        Arguments.of((Consumer<HostService>) s -> {
          s.getSpec().reload = List.of("caddy", "reload");
          s.getSpec().reloadWorkdir = "/etc/caddy\nExecStartPre=/bin/rm";
        }, "spec.reloadWorkdir: '/etc/caddy\\x0aExecStartPre=/bin/rm' is not an absolute path"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().reloadWorkdir = "/etc/caddy",
            "spec.reloadWorkdir: set spec.reload too"),
        Arguments.of((Consumer<HostService>) s -> {
          s.getSpec().adopt = true;
          s.getSpec().replaces = "../../bin/sh.service";
        }, "spec.replaces: '../../bin/sh.service' is not a unit file name"),
        Arguments.of((Consumer<HostService>) s -> {
          s.getSpec().adopt = true;
          s.getSpec().replaces = "-H.service";
        }, "spec.replaces: '-H.service' is not a unit file name"),
        Arguments.of((Consumer<HostService>) s -> {
          s.getSpec().adopt = true;
          s.getSpec().replaces = "web.service";
        }, "spec.replaces: web.service cannot be replaced"),
        Arguments.of((Consumer<HostService>) s -> {
          s.getSpec().adopt = true;
          s.getSpec().replaces = "sshd.service";
        }, "spec.replaces: sshd.service cannot be replaced"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().replaces = "web.old.service",
            "spec.replaces: set spec.adopt too"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().requires = List.of("web"), "spec.requires[0]: a service cannot require itself"),
        Arguments.of((Consumer<HostService>) s -> {
          s.getSpec().schedule = new ScheduleSpec();
          s.getSpec().schedule.onCalendar = "daily\nExecStartPre=/bin/rm";
        }, "spec.schedule.onCalendar:"),
        Arguments.of((Consumer<HostService>) s -> {
          s.getSpec().compose = new ComposeSpec();
          s.getSpec().compose.content = "services: {}";
        }, "spec.image: set either spec.image or spec.compose, not both"));
  }

  static Consumer<HostService> files(String name) {
    return s -> {
      ServiceFile f = new ServiceFile();
      f.name = name;
      f.content = "x";
      s.getSpec().files = List.of(f);
    };
  }

  @ParameterizedTest
  @MethodSource("invalid")
  void namesTheField(Consumer<HostService> breakIt, String expectedStart) {
    HostService s = UnitRendererTest.service("web", "nginx:1.27");
    breakIt.accept(s);
    List<String> problems = ServiceValidation.problems(s);
    assertEquals(1, problems.size(), problems.toString());
    assertEquals(true, problems.get(0).startsWith(expectedStart), problems.get(0));
  }
}
