package dev.hostops.bench;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.LogSpec;
import dev.hostops.host.HostConnection;
import dev.hostops.host.ServiceSync;
import dev.hostops.render.HostFile;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Converging 10 runbook-shaped services on one real host: hostops' probe/apply against Ansible
 * (the tool a user would pick), each on a fresh host, same unit files. Prints numbers; asserts none.
 * Not part of `mvn verify` (see the surefire excludes): run with bin/bench.
 */
class ConvergeBenchmark {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final int SERVICES = 10;
  private static final int NOOP_RUNS = 5;

  static List<RenderedService> services(TestHost host) {
    List<RenderedService> out = new ArrayList<>();
    for (int i = 0; i < SERVICES; i++) {
      HostService s = new HostService();
      s.setMetadata(new ObjectMetaBuilder().withName("svc" + i).withNamespace("bench").build());
      s.setSpec(new HostServiceSpec());
      s.getSpec().image = host.image("hostops/demo:v1");
      s.getSpec().hosts = List.of("h");
      s.getSpec().ports = List.of((9000 + i) + ":80");
      s.getSpec().env = List.of(new EnvVar("LOG_NAME", "svc" + i));
      s.getSpec().logs = new LogSpec();
      s.getSpec().logs.mount = true;
      out.add(ServiceRenderer.render(s));
    }
    return out;
  }

  private long hostopsFirst;
  private long hostopsNoop;

  /** Probe and apply times of one first convergence, in nanoseconds. */
  private record Convergence(long probe, long apply) {
    long total() {
      return probe + apply;
    }
  }

  /**
   * What the operator does when the services arrive together: one probe of the host, every plan applied
   * in one script (ApplyQueue), one daemon-reload, units started in parallel, one settle wait.
   */
  private static Convergence converge(ServiceSync sync, HostConnection c, List<RenderedService> services)
      throws Exception {
    long t0 = System.nanoTime();
    var before = sync.probeAll(c, services);
    long probed = System.nanoTime();
    java.util.Map<RenderedService, dev.hostops.host.ApplyPlan> plans = new java.util.LinkedHashMap<>();
    for (RenderedService s : services) {
      plans.put(s, dev.hostops.host.ApplyPlanner.plan(s, before.get(s.name())));
    }
    sync.applyAll(c, plans);
    return new Convergence(probed - t0, System.nanoTime() - probed);
  }

  @Test
  void hostopsAgainstAnsible() throws Exception {
    List<TestHost> booted = HOSTS.boot("bench-w", "bench-h", "bench-f");
    // The operator is a long-running process: when services arrive for a new host, its code has run
    // before. So hostops first converges another host (a cold JVM, printed too), which is then removed,
    // and is measured on a fresh host with a warm JVM and an open connection, as the operator runs.
    Convergence coldJvm;
    try (HostConnection w = HostConnection.open(booted.get(0).root(), Duration.ofSeconds(30))) {
      coldJvm = converge(new ServiceSync(Duration.ofSeconds(120)), w, services(booted.get(0)));
    }
    HOSTS.remove(booted.get(0));
    long floor = floor(booted.get(2));
    HOSTS.remove(booted.get(2));
    TestHost forHostops = booted.get(1);
    List<RenderedService> services = services(forHostops);
    ServiceSync sync = new ServiceSync(Duration.ofSeconds(120));
    long t0 = System.nanoTime();
    try (HostConnection c = HostConnection.open(forHostops.root(), Duration.ofSeconds(30))) {
      long connected = System.nanoTime();
      Convergence first = converge(sync, c, services);
      long[] noop = new long[NOOP_RUNS];
      long trips = HostConnection.totalRoundTrips();
      for (int r = 0; r < NOOP_RUNS; r++) {
        long a = System.nanoTime();
        for (RenderedService s : services) {
          if (!sync.sync(c, s).plan().isNoop()) {
            throw new AssertionError("second pass changed something");
          }
        }
        noop[r] = System.nanoTime() - a;
      }
      long tripsPerPass = (HostConnection.totalRoundTrips() - trips) / NOOP_RUNS;
      // what the operator does on a resync: one probe of the whole host, then plans from it
      long[] hostPass = new long[NOOP_RUNS * 4];
      long hostTrips = HostConnection.totalRoundTrips();
      for (int r = 0; r < hostPass.length; r++) {
        long a = System.nanoTime();
        var snapshot = sync.snapshot(c, "");
        for (RenderedService s : services) {
          if (!dev.hostops.host.ApplyPlanner.plan(s, snapshot.services().get(s.name())).isNoop()) {
            throw new AssertionError("per-host probe saw a difference for " + s.name());
          }
        }
        hostPass[r] = System.nanoTime() - a;
      }
      long hostTripsPerPass = (HostConnection.totalRoundTrips() - hostTrips) / hostPass.length;
      System.out.printf("%nhostops, %d services on one host:%n", SERVICES);
      System.out.printf("  connect + auth                 %6d ms%n", ms(connected - t0));
      System.out.printf("  first convergence              %6d ms (pulls and starts included; probe %d ms, apply script %d ms)%n",
          ms(first.total()), ms(first.probe()), ms(first.apply()));
      System.out.printf("    the same in a fresh JVM      %6d ms (probe %d ms, apply script %d ms; another host)%n",
          ms(coldJvm.total()), ms(coldJvm.probe()), ms(coldJvm.apply()));
      System.out.printf("  no-op, service by service      %6d ms, %d SSH round trips, nothing written (median of %d)%n",
          ms(median(noop)), tripsPerPass, NOOP_RUNS);
      System.out.printf("  no-op, whole host at once      %6d ms, %d SSH round trip (the operator's resync; median of 20)%n",
          ms(median(hostPass)), hostTripsPerPass);
      hostopsFirst = first.total();
      hostopsNoop = median(hostPass);
    }
    HOSTS.remove(forHostops); // Ansible gets as quiet a machine

    TestHost forAnsible = HOSTS.boot("bench-a");
    Path dir = Files.createTempDirectory("hostops-bench");
    Path key = dir.resolve("id");
    Files.writeString(key, forAnsible.privateKey());
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Files.writeString(dir.resolve("known_hosts"), forAnsible.knownHosts() + "\n");
    Files.writeString(dir.resolve("inventory"), "h ansible_host=127.0.0.1 ansible_port=" + forAnsible.port()
        + " ansible_user=root ansible_ssh_private_key_file=" + key + " ansible_python_interpreter=/usr/bin/python3\n");
    Files.writeString(dir.resolve("ansible.cfg"), "[defaults]\nhost_key_checking = True\n[ssh_connection]\npipelining = True\n"
        + "ssh_args = -o UserKnownHostsFile=" + dir.resolve("known_hosts") + " -o ControlMaster=auto -o ControlPersist=60s\n");
    StringBuilder play = new StringBuilder("- hosts: h\n  gather_facts: false\n  tasks:\n");
    play.append("    - name: units\n      copy: {dest: \"/etc/systemd/system/{{ item.name }}\", content: \"{{ item.content }}\", mode: \"0644\"}\n")
        .append("      loop:\n");
    for (RenderedService s : services(forAnsible)) {
      HostFile unit = s.files().get(0);
      play.append("        - name: ").append(s.unitName()).append("\n          content: ")
          .append(new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsString(unit.contentAsText())).append('\n');
    }
    play.append("      register: units\n");
    play.append("    - name: reload\n      systemd: {daemon_reload: true}\n      when: units.changed\n");
    play.append("    - name: services\n      systemd: {name: \"{{ item }}\", enabled: true, state: started}\n      loop:\n");
    for (int i = 0; i < SERVICES; i++) {
      play.append("        - svc").append(i).append(".service\n");
    }
    Files.writeString(dir.resolve("play.yml"), play.toString());
    // both tools start with an open connection: hostops' stays open in the operator; this opens Ansible's
    // ControlPersist master, which the playbook then uses
    run(dir, "ansible", "-i", "inventory", "h", "-m", "ping");
    long a1 = System.nanoTime();
    run(dir, "ansible-playbook", "-i", "inventory", "play.yml");
    long first = System.nanoTime() - a1;
    long[] noop = new long[NOOP_RUNS];
    for (int r = 0; r < NOOP_RUNS; r++) {
      long a = System.nanoTime();
      String out = run(dir, "ansible-playbook", "-i", "inventory", "play.yml");
      if (!out.contains("changed=0")) {
        throw new AssertionError("ansible changed something on a no-op run:\n" + out);
      }
      noop[r] = System.nanoTime() - a;
    }
    System.out.printf("Ansible (%s), same units, pipelining and ControlPersist on (connection open):%n", run(dir, "ansible", "--version")
        .lines().findFirst().orElse("?"));
    System.out.printf("  first convergence              %6d ms%n", ms(first));
    System.out.printf("  no-op run (median of %d)        %6d ms%n", NOOP_RUNS, ms(median(noop)));
    System.out.printf("The floor: the same units written and started by hand in one script on a fresh host, until%n"
        + "Docker reports all %d containers started (no tool, no SSH):%n", SERVICES);
    System.out.printf("  first convergence              %6d ms; above it: hostops %d ms, Ansible %d ms%n%n", ms(floor),
        ms(hostopsFirst - floor), ms(first - floor));
    System.out.printf("summary: first_converge_ratio=%.1f noop_host_ms=%d above_floor_ratio=%.1f%n",
        first / (double) hostopsFirst, ms(hostopsNoop), (first - floor) / (double) (hostopsFirst - floor));
  }

  /**
   * What no tool can go below on this machine: the same unit files written by one shell script on the
   * host, one daemon-reload, one {@code systemctl start} of all of them, until Docker has started every
   * container (measured on the host's clock, so without SSH). Nothing is verified or reported.
   */
  private static long floor(TestHost host) throws Exception {
    StringBuilder script = new StringBuilder("t0=$(date +%s%N)\n");
    List<String> units = new ArrayList<>();
    for (RenderedService s : services(host)) {
      script.append("cat >/etc/systemd/system/").append(s.unitName()).append(" <<'UNIT'\n")
          .append(s.files().get(0).contentAsText()).append("UNIT\n");
      units.add(s.unitName());
    }
    script.append("mkdir -p /root/var/logs\n")
        .append("since=$(date +%s.%N)\n")
        .append("systemctl enable -q ").append(String.join(" ", units)).append('\n')
        .append("systemctl daemon-reload\n")
        .append("systemctl start --no-block ").append(String.join(" ", units)).append('\n')
        .append("mkfifo /run/floor-events\n")
        .append("docker events --since \"$since\" --filter type=container --filter event=start --format x")
        .append(" >/run/floor-events & p=$!\n")
        .append("head -n ").append(SERVICES).append(" </run/floor-events >/dev/null\n")
        .append("echo $(( $(date +%s%N) - t0 ))\n")
        .append("kill $p; rm -f /run/floor-events\n");
    try (HostConnection c = HostConnection.open(host.root(), Duration.ofSeconds(30))) {
      var r = c.run(script.toString(), Duration.ofSeconds(120));
      if (!r.ok()) {
        throw new AssertionError("the floor's script failed: " + r.stderr());
      }
      return Long.parseLong(r.stdout().strip());
    }
  }

  private static String run(Path dir, String... command) throws Exception {
    Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    if (!p.waitFor(300, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new AssertionError(String.join(" ", command) + " failed:\n" + out);
    }
    return out;
  }

  private static long ms(long nanos) {
    return nanos / 1_000_000;
  }

  private static long median(long[] values) {
    long[] v = values.clone();
    java.util.Arrays.sort(v);
    return v[v.length / 2];
  }
}
