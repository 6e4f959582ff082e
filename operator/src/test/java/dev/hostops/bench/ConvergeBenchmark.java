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
import dev.hostops.testhosts.NetworkLink;
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
 *
 * <p>With {@code -Dbench.profile=wan} (or {@code slow}; {@code bin/bench --profile wan}) both tools reach
 * their hosts through a Toxiproxy proxy with that network profile ({@code testhosts proxy}), the same for
 * both; the link's round trip is measured as an SSH request the host answers without running anything.
 */
class ConvergeBenchmark {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final int SERVICES = 10;
  private static final int NOOP_RUNS = 5;
  private static final int RUNS = 3;
  private static final NetworkLink.Profile PROFILE = NetworkLink.Profile.valueOf(
      System.getProperty("bench.profile", "direct").toUpperCase(java.util.Locale.ROOT));

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
    List<TestHost> booted = HOSTS.boot("bench-w", "bench-h", "bench-m", "bench-a");
    TestHost forHostops = booted.get(1);
    TestHost forHand = booted.get(2);
    TestHost forAnsible = booted.get(3);
    // The operator is a long-running process: when services arrive for a new host, its code has run
    // before. So hostops first converges another host (a cold JVM, printed too), which is then removed,
    // and is measured with a warm JVM and an open connection, as the operator runs.
    Convergence coldJvm;
    try (HostConnection w = HostConnection.open(booted.get(0).root(), Duration.ofSeconds(30))) {
      coldJvm = converge(new ServiceSync(Duration.ofSeconds(120)), w, services(booted.get(0)));
    }
    quiet(booted.get(0));
    List<RenderedService> services = services(forHostops);
    Convergence[] firsts = new Convergence[RUNS];
    long connect;
    long noopByService;
    long tripsPerPass;
    long[] hostPass = new long[NOOP_RUNS * 4];
    long hostTripsPerPass;
    // direct: no proxy at all, loopback as before profiles existed
    NetworkLink hostopsLink = PROFILE == NetworkLink.Profile.DIRECT ? null : forHostops.behind(PROFILE);
    NetworkLink ansibleLink = PROFILE == NetworkLink.Profile.DIRECT ? null : forAnsible.behind(PROFILE);
    int hostopsPort = hostopsLink == null ? forHostops.port() : hostopsLink.port();
    int ansiblePort = ansibleLink == null ? forAnsible.port() : ansibleLink.port();
    long rtt = roundTrip(forHostops, hostopsPort);
    long t0 = System.nanoTime();
    try (HostConnection c = HostConnection.open(forHostops.through(hostopsPort, "root"), Duration.ofSeconds(30))) {
      connect = System.nanoTime() - t0;
      ServiceSync sync = null;
      for (int i = 0; i < RUNS; i++) {
        reset(forHostops);
        sync = new ServiceSync(Duration.ofSeconds(120)); // nothing remembered of the runs before
        firsts[i] = converge(sync, c, services);
      }
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
      noopByService = median(noop);
      tripsPerPass = (HostConnection.totalRoundTrips() - trips) / NOOP_RUNS;
      // what the operator does on a resync: one probe of the whole host, then plans from it
      long hostTrips = HostConnection.totalRoundTrips();
      for (int r = 0; r < hostPass.length; r++) {
        long a = System.nanoTime();
        var snapshot = sync.snapshot(c, false);
        for (RenderedService s : services) {
          if (!dev.hostops.host.ApplyPlanner.plan(s, snapshot.services().get(s.name())).isNoop()) {
            throw new AssertionError("per-host probe saw a difference for " + s.name());
          }
        }
        hostPass[r] = System.nanoTime() - a;
      }
      hostTripsPerPass = (HostConnection.totalRoundTrips() - hostTrips) / hostPass.length;
    }
    quiet(forHostops);
    long[] byHand = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      reset(forHand);
      byHand[i] = byHand(forHand);
    }
    quiet(forHand);

    Path dir = Files.createTempDirectory("hostops-bench");
    Path key = dir.resolve("id");
    Files.writeString(key, forAnsible.privateKey());
    Files.setPosixFilePermissions(key, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
    Files.writeString(dir.resolve("known_hosts"), forAnsible.through(ansiblePort, "root").knownHosts() + "\n");
    Files.writeString(dir.resolve("inventory"), "h ansible_host=127.0.0.1 ansible_port=" + ansiblePort
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
    long[] ansibleFirsts = new long[RUNS];
    for (int i = 0; i < RUNS; i++) {
      reset(forAnsible);
      // both tools start with an open connection: hostops' stays open in the operator; this opens
      // Ansible's ControlPersist master, which the playbook then uses
      run(dir, "ansible", "-i", "inventory", "h", "-m", "ping");
      long a1 = System.nanoTime();
      run(dir, "ansible-playbook", "-i", "inventory", "play.yml");
      ansibleFirsts[i] = System.nanoTime() - a1;
    }
    long[] noop = new long[NOOP_RUNS];
    for (int r = 0; r < NOOP_RUNS; r++) {
      long a = System.nanoTime();
      String out = run(dir, "ansible-playbook", "-i", "inventory", "play.yml");
      if (!out.contains("changed=0")) {
        throw new AssertionError("ansible changed something on a no-op run:\n" + out);
      }
      noop[r] = System.nanoTime() - a;
    }

    long hostopsFirst = median(java.util.Arrays.stream(firsts).mapToLong(Convergence::total).toArray());
    long ansibleFirst = median(ansibleFirsts);
    long hand = median(byHand);
    System.out.printf("%nFirst convergence of %d services on a host from nothing, %d runs each (median, then all):%n",
        SERVICES, RUNS);
    System.out.printf("  hostops                        %6d ms %s (probe %s ms, apply script %s ms)%n", ms(hostopsFirst),
        all(java.util.Arrays.stream(firsts).mapToLong(Convergence::total).toArray()),
        all(java.util.Arrays.stream(firsts).mapToLong(Convergence::probe).toArray()),
        all(java.util.Arrays.stream(firsts).mapToLong(Convergence::apply).toArray()));
    System.out.printf("    in a fresh JVM (another host) %5d ms (probe %d ms, apply script %d ms)%n",
        ms(coldJvm.total()), ms(coldJvm.probe()), ms(coldJvm.apply()));
    System.out.printf("  Ansible (%s)  %6d ms %s%n", run(dir, "ansible", "--version").lines().findFirst().orElse("?")
        .replace("ansible ", ""), ms(ansibleFirst), all(ansibleFirsts));
    System.out.printf("  by hand                        %6d ms %s%n", ms(hand), all(byHand));
    System.out.printf("    (the runbook's steps in one shell script run on the host: the same unit files, enable,%n"
        + "    daemon-reload, one systemctl start; until Docker reports every container started. No tool, no SSH,%n"
        + "    nothing checked: what a tool with no cost at all would take; Ansible / by hand = %.1f)%n",
        ansibleFirst / (double) hand);
    System.out.printf("No-op (nothing to change):%n");
    System.out.printf("  hostops, whole host at once    %6d ms, %d SSH round trip (the operator's resync; median of %d)%n",
        ms(median(hostPass)), hostTripsPerPass, hostPass.length);
    System.out.printf("  hostops, service by service    %6d ms, %d SSH round trips, nothing written (median of %d)%n",
        ms(noopByService), tripsPerPass, NOOP_RUNS);
    System.out.printf("  Ansible run                    %6d ms (median of %d)%n", ms(median(noop)), NOOP_RUNS);
    System.out.printf("hostops' connect + auth %d ms, once per host (the operator keeps the connection); Ansible: pipelining,%n"
        + "ControlPersist, its connection opened before each timed run%n%n", ms(connect));
    System.out.printf("Network: %s, SSH round trip %d ms (median of 20 keepalive requests on an open connection)%n",
        PROFILE.name().toLowerCase(java.util.Locale.ROOT), ms(rtt));
    System.out.printf("summary: profile=%s rtt_ms=%d first_converge_ratio=%.1f noop_host_ms=%d by_hand_ratio=%.1f%n",
        PROFILE.name().toLowerCase(java.util.Locale.ROOT), ms(rtt), ansibleFirst / (double) hostopsFirst,
        ms(median(hostPass)), ansibleFirst / (double) hand);
    if (hostopsLink != null) {
      hostopsLink.close();
      ansibleLink.close();
    }
  }

  /**
   * The link's SSH round trip: a {@code keepalive@openssh.com} request, which sshd answers at once without
   * running anything (median of 20 on an open connection).
   */
  private static long roundTrip(TestHost host, int port) throws Exception {
    var target = host.through(port, "root");
    try (net.schmizz.sshj.SSHClient ssh = new net.schmizz.sshj.SSHClient()) {
      Path knownHosts = Files.createTempFile("bench-known", "");
      Files.writeString(knownHosts, target.knownHosts() + "\n");
      ssh.addHostKeyVerifier(new net.schmizz.sshj.transport.verification.OpenSSHKnownHosts(knownHosts.toFile()));
      Files.delete(knownHosts);
      ssh.connect(target.address(), target.port());
      ssh.authPublickey("root", ssh.loadKeys(target.privateKey(), null, null));
      long[] trips = new long[20];
      for (int i = 0; i < trips.length; i++) {
        long a = System.nanoTime();
        try {
          ssh.getConnection().sendGlobalRequest("keepalive@openssh.com", true, new byte[0])
              .tryRetrieve(10, TimeUnit.SECONDS);
        } catch (net.schmizz.sshj.connection.ConnectionException e) {
          // "request failed" is sshd's answer to a request it has no use for: the round trip is done
        }
        trips[i] = System.nanoTime() - a;
      }
      return median(trips);
    }
  }

  /** From nothing: no units, no hostops records, no containers, no images. */
  private static void reset(TestHost host) throws Exception {
    host.shOk("for u in /etc/systemd/system/svc*.service; do [ -e \"$u\" ] || continue; n=${u##*/};"
        + " systemctl disable -q --now \"$n\"; rm -f \"$u\"; done; systemctl daemon-reload; systemctl reset-failed;"
        + " rm -rf /var/lib/hostops/services/*; docker rm -f $(docker ps -aq) >/dev/null 2>&1;"
        + " docker rmi -f $(docker images -q) >/dev/null 2>&1; true");
    Thread.sleep(2000);
  }

  /** Removes a host that is done with, and lets its teardown end before the next measurement. */
  private static void quiet(TestHost host) throws InterruptedException {
    HOSTS.remove(host);
    Thread.sleep(3000);
  }

  private static String all(long[] nanos) {
    return java.util.Arrays.stream(nanos).map(ConvergeBenchmark::ms).boxed().toList().toString();
  }

  /**
   * The runbook's steps without a tool: the same unit files written by one shell script on the host,
   * enable, one daemon-reload, one {@code systemctl start} of all of them, until Docker has started every
   * container (measured on the host's clock, so without SSH). Nothing is checked or reported.
   */
  private static long byHand(TestHost host) throws Exception {
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
        .append("mkfifo /run/by-hand-events\n")
        .append("docker events --since \"$since\" --filter type=container --filter event=start --format x")
        .append(" >/run/by-hand-events & p=$!\n")
        .append("head -n ").append(SERVICES).append(" </run/by-hand-events >/dev/null\n")
        .append("echo $(( $(date +%s%N) - t0 ))\n")
        .append("kill $p; rm -f /run/by-hand-events\n");
    try (HostConnection c = HostConnection.open(host.root(), Duration.ofSeconds(30))) {
      var r = c.run(script.toString(), Duration.ofSeconds(120));
      if (!r.ok()) {
        throw new AssertionError("the by-hand script failed: " + r.stderr());
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
