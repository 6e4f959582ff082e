package dev.hostops.render;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.hostops.api.EnvVar;
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
        Arguments.of((Consumer<HostService>) s -> s.getSpec().ports = List.of("80:80 -v /:/host"), "spec.ports[0]:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().ports = List.of("80:80/icmp"), "spec.ports[0]:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().env = List.of(new EnvVar("A B", "x")), "spec.env[0].name:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().env = List.of(new EnvVar("A", "1"), new EnvVar("A", "2")),
            "spec.env[1].name: A is given twice"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().pull = "Sometimes", "spec.pull:"),
        Arguments.of((Consumer<HostService>) s -> s.getSpec().args = List.of("a\0b"), "spec.args[0]:"));
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
