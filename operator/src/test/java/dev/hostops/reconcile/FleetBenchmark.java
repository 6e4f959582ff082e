package dev.hostops.reconcile;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.LogSpec;
import dev.hostops.api.RolloutSpec;
import dev.hostops.render.HostFile;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A fleet on this machine: as many real test hosts as it holds (-Dfleet.hosts, default 30), 10
 * services on each, one operator process against a real API server; cold convergence, an idle resync
 * (wall time, SSH round trips, operator CPU per host, heap, API requests) and a fleet-wide image change
 * with maxUnavailable, then Ansible on the same hosts (forks = hosts) converging the same units and
 * making the same change. Prints numbers; asserts none. Run with {@code bin/bench fleet}; with
 * {@code --profile wan} (-Dbench.profile) every host's SSH port is behind a Toxiproxy proxy with that
 * profile, used by both tools.
 */
class FleetBenchmark {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final int HOSTS_N = Integer.getInteger("fleet.hosts", 30);
  private static final int SERVICES = 10;
  private static final int MAX_UNAVAILABLE = 5;
  private static final Duration RESYNC = Duration.ofSeconds(30);
  /** -Dfleet.jfr=FILE: a Java Flight Recording (profile settings) of the idle resyncs only, to see where the CPU goes. */
  private static final String JFR = System.getProperty("fleet.jfr", "");
  /** -Dfleet.change=false, -Dfleet.ansible=false: skip the image change, or Ansible (e.g. while profiling). */
  private static final boolean CHANGE = Boolean.parseBoolean(System.getProperty("fleet.change", "true"));
  private static final boolean ANSIBLE = Boolean.parseBoolean(System.getProperty("fleet.ansible", "true"));
  private static final dev.hostops.testhosts.NetworkLink.Profile PROFILE = dev.hostops.testhosts.NetworkLink.Profile
      .valueOf(System.getProperty("bench.profile", "direct").toUpperCase(java.util.Locale.ROOT));

  @Test
  void fleet() throws Exception {
    long boot0 = System.nanoTime();
    List<TestHost> fleet = HOSTS.boot(IntStream.range(0, HOSTS_N).mapToObj(i -> "f" + i).toArray(String[]::new));
    System.out.printf("%n%d test hosts booted in %.0f s; network: %s%n", HOSTS_N, secs(boot0),
        PROFILE.name().toLowerCase(java.util.Locale.ROOT));
    // the SSH port each tool uses: the host's own, or its proxy's with the profile
    int[] ports = new int[HOSTS_N];
    for (int i = 0; i < HOSTS_N; i++) {
      ports[i] = PROFILE == dev.hostops.testhosts.NetworkLink.Profile.DIRECT ? fleet.get(i).port()
          : fleet.get(i).behind(PROFILE).port();
    }
    var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (OperatorHarness k8s = new OperatorHarness(RESYNC, Duration.ofSeconds(30), 0)) {
      for (int i = 0; i < HOSTS_N; i++) {
        k8s.addHost(fleet.get(i), "h" + i, "root", Map.of("fleet", "bench"), ports[i]);
      }
      String v1 = fleet.get(0).image("hostops/demo:v1");
      long t0 = System.nanoTime();
      for (int s = 0; s < SERVICES; s++) {
        k8s.create(service(k8s, s, v1));
      }
      for (int s = 0; s < SERVICES; s++) {
        k8s.awaitReady("s" + s, Duration.ofMinutes(15));
      }
      double cold = secs(t0);

      // idle: two resyncs with nothing to do
      Thread.sleep(RESYNC.toMillis());
      long trips0 = sum(k8s, "hostops_ssh_round_trips_total");
      double tripSecs0 = sumDouble(k8s, "hostops_ssh_round_trip_duration_seconds_sum");
      long api0 = k8s.api.writeRequests();
      long cpu0 = os.getProcessCpuTime();
      Thread.sleep(RESYNC.toMillis() * 2);
      long cpu = os.getProcessCpuTime() - cpu0;
      if (!JFR.isEmpty()) {
        // after the measured window: starting a recording costs seconds of CPU (classes, compilation)
        try (jdk.jfr.Recording recording = new jdk.jfr.Recording(jdk.jfr.Configuration.getConfiguration("profile"))) {
          recording.start();
          Thread.sleep(RESYNC.toMillis());
          long jfr0 = os.getProcessCpuTime();
          Thread.sleep(RESYNC.toMillis() * 2);
          System.out.printf("  idle under JFR: operator CPU per host per resync %5.1f ms (recording in %s)%n",
              (os.getProcessCpuTime() - jfr0) / 1e6 / HOSTS_N / 2, JFR);
          recording.dump(Path.of(JFR));
        }
      }
      long trips = sum(k8s, "hostops_ssh_round_trips_total") - trips0;
      double tripMs = (sumDouble(k8s, "hostops_ssh_round_trip_duration_seconds_sum") - tripSecs0) * 1000 / Math.max(1, trips);
      long writes = k8s.api.writeRequests() - api0;
      double cpuPerHostPerResync = cpu / 1e6 / HOSTS_N / 2;
      System.gc();
      long heap = (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()) / 1048576;

      // fleet-wide image change, maxUnavailable hosts at a time
      double change = Double.NaN;
      if (CHANGE) {
        String v2 = fleet.get(0).image("hostops/demo:v2");
        long c0 = System.nanoTime();
        for (int s = 0; s < SERVICES; s++) {
          k8s.edit("s" + s, svc -> svc.getSpec().image = v2);
        }
        for (int s = 0; s < SERVICES; s++) {
          k8s.awaitReady("s" + s, Duration.ofMinutes(15));
        }
        change = secs(c0);
      }

      System.out.printf("hostops, %d hosts x %d services, one operator process (resync %d s):%n", HOSTS_N, SERVICES,
          RESYNC.toSeconds());
      System.out.printf("  cold convergence                  %6.1f s%n", cold);
      System.out.printf("  idle: SSH round trips per host per resync %4.1f; operator CPU per host per resync %5.1f ms;"
          + " API writes %d; heap %d MB%n", trips / (double) HOSTS_N / 2, cpuPerHostPerResync, writes, heap);
      System.out.printf("  idle: mean SSH round trip (the whole-host probe) %5.1f ms%n", tripMs);
      System.out.printf("  image change, maxUnavailable %d     %6.1f s%n", MAX_UNAVAILABLE, change);
    }

    if (!ANSIBLE) {
      return;
    }
    // Ansible on the same hosts (services removed by the operator's finalizers when the harness closed? no:
    // the operator is gone, so remove them by hand), forks = hosts
    for (TestHost h : fleet) {
      h.sh("for s in $(seq 0 " + (SERVICES - 1) + "); do systemctl disable --now s$s 2>/dev/null; rm -f "
          + "/etc/systemd/system/s$s.service; docker rm -f s$s >/dev/null 2>&1; done; systemctl daemon-reload");
    }
    Path dir = Files.createTempDirectory("hostops-fleet");
    Path key = dir.resolve("id");
    Files.writeString(key, fleet.get(0).privateKey());
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    StringBuilder inventory = new StringBuilder("[fleet]\n");
    StringBuilder known = new StringBuilder();
    for (int i = 0; i < HOSTS_N; i++) {
      TestHost h = fleet.get(i);
      inventory.append("h").append(i).append(" ansible_host=127.0.0.1 ansible_port=").append(ports[i])
          .append(" ansible_user=root ansible_ssh_private_key_file=").append(key)
          .append(" ansible_python_interpreter=/usr/bin/python3\n");
      known.append(h.through(ports[i], "root").knownHosts()).append('\n');
    }
    Files.writeString(dir.resolve("inventory"), inventory);
    Files.writeString(dir.resolve("known_hosts"), known);
    Files.writeString(dir.resolve("ansible.cfg"), "[defaults]\nhost_key_checking = True\nforks = " + HOSTS_N
        + "\n[ssh_connection]\npipelining = True\nssh_args = -o UserKnownHostsFile=" + dir.resolve("known_hosts")
        + " -o ControlMaster=auto -o ControlPersist=120s\n");
    for (String tag : List.of("v1", "v2")) {
      StringBuilder play = new StringBuilder("- hosts: fleet\n  gather_facts: false\n  serial: \"" + (tag.equals("v1")
          ? "100%" : String.valueOf(MAX_UNAVAILABLE)) + "\"\n  tasks:\n");
      play.append("    - name: units\n      copy: {dest: \"/etc/systemd/system/{{ item.name }}\", content: \"{{ item.content }}\", mode: \"0644\"}\n")
          .append("      loop:\n");
      for (int s = 0; s < SERVICES; s++) {
        HostService svc = new HostService();
        svc.setMetadata(new io.fabric8.kubernetes.api.model.ObjectMetaBuilder().withName("s" + s).withNamespace("team").build());
        svc.setSpec(new dev.hostops.api.HostServiceSpec());
        svc.getSpec().image = fleet.get(0).image("hostops/demo:" + tag);
        svc.getSpec().hosts = List.of("h");
        svc.getSpec().env = List.of(new EnvVar("LOG_NAME", "s" + s));
        RenderedService r = ServiceRenderer.render(svc);
        HostFile unit = r.files().get(0);
        play.append("        - name: ").append(r.unitName()).append("\n          content: ")
            .append(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(unit.contentAsText())).append('\n');
      }
      play.append("      register: units\n");
      play.append("    - name: reload\n      systemd: {daemon_reload: true}\n      when: units.changed\n");
      play.append("    - name: services\n      systemd: {name: \"{{ item }}\", enabled: true, state: " + (tag.equals("v1")
          ? "started" : "restarted") + "}\n      loop:\n");
      for (int s = 0; s < SERVICES; s++) {
        play.append("        - s").append(s).append(".service\n");
      }
      Files.writeString(dir.resolve(tag + ".yml"), play.toString());
    }
    long a0 = System.nanoTime();
    run(dir, "ansible-playbook", "-i", "inventory", "v1.yml");
    double aCold = secs(a0);
    long a1 = System.nanoTime();
    run(dir, "ansible-playbook", "-i", "inventory", "v1.yml");
    double aNoop = secs(a1);
    long a2 = System.nanoTime();
    run(dir, "ansible-playbook", "-i", "inventory", "v2.yml");
    double aChange = secs(a2);
    System.out.printf("Ansible, same hosts and units, forks=%d, pipelining and ControlPersist on:%n", HOSTS_N);
    System.out.printf("  cold convergence                  %6.1f s%n", aCold);
    System.out.printf("  no-op run (the closest to a resync) %4.1f s%n", aNoop);
    System.out.printf("  image change, serial %d            %6.1f s%n%n", MAX_UNAVAILABLE, aChange);
  }

  private static HostService service(OperatorHarness k8s, int s, String image) {
    HostService svc = k8s.service("s" + s, image);
    svc.getSpec().hosts = null;
    svc.getSpec().hostSelector = new LabelSelectorBuilder().addToMatchLabels("fleet", "bench").build();
    svc.getSpec().env = List.of(new EnvVar("LOG_NAME", "s" + s));
    svc.getSpec().logs = new LogSpec();
    svc.getSpec().logs.mount = true;
    svc.getSpec().rollout = new RolloutSpec();
    svc.getSpec().rollout.maxUnavailable = MAX_UNAVAILABLE;
    return svc;
  }

  private static long sum(OperatorHarness k8s, String metric) throws Exception {
    return (long) sumDouble(k8s, metric);
  }

  private static double sumDouble(OperatorHarness k8s, String metric) throws Exception {
    String body = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + k8s.metricsPort + "/metrics")).build(), HttpResponse.BodyHandlers.ofString()).body();
    Matcher m = Pattern.compile("(?m)^" + metric + "\\{[^}]*\\} ([0-9.eE+]+)$").matcher(body);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }

  private static String run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(1800, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }

  private static double secs(long since) {
    return (System.nanoTime() - since) / 1e9;
  }
}
