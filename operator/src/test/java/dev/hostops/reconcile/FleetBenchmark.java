package dev.hostops.reconcile;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostService;
import dev.hostops.api.LogSpec;
import dev.hostops.api.RolloutSpec;
import dev.hostops.render.HostFile;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.api.Host;
import dev.hostops.api.HostSpec;
import dev.hostops.api.SecretKeyRef;
import dev.hostops.testhosts.Chart;
import dev.hostops.testhosts.KubeApi;
import dev.hostops.testhosts.TestHost;
import dev.hostops.testhosts.TestHosts;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.LabelSelectorBuilder;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
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
 * A fleet on this machine: real test hosts (-Dfleet.hosts per operator process, default 30), 10 services
 * on each, operator processes ({@code hostops run}, as the chart's pod runs it, under its release's RBAC)
 * against a real API server: one default release, or -Dfleet.shards=N label shards ({@code a}, {@code b},
 * …; one release each, its own hosts and services). Per process: cold convergence, an idle resync (SSH
 * round trips and operator CPU per host per resync, heap after a full GC, the jobs one host ran), a
 * fleet-wide image change with maxUnavailable; API writes during the idle window for all together. Then
 * Ansible on the same hosts (forks = hosts) converging the same units and making the same change. Prints
 * numbers; asserts none. Run with {@code bin/bench fleet [--shards N]}; with {@code --profile wan}
 * (-Dbench.profile) every host's SSH port is behind a Toxiproxy proxy with that profile, used by both tools.
 */
class FleetBenchmark {
  @RegisterExtension static final TestHosts HOSTS = new TestHosts();
  private static final int PER_PROCESS = Integer.getInteger("fleet.hosts", 30);
  private static final int SHARDS = Integer.getInteger("fleet.shards", 1);
  private static final int HOSTS_N = PER_PROCESS * SHARDS;
  private static final int SERVICES = 10;
  private static final int MAX_UNAVAILABLE = 5;
  private static final Duration RESYNC = Duration.ofSeconds(30);
  private static final String NS = "team";
  private static final String OPERATOR_NS = "hostops-system";
  /**
   * -Dfleet.jfr=FILE: a Java Flight Recording of the first process's idle resyncs only, with the JDK's
   * "profile" settings or -Dfleet.jfr.settings=FILE.jfc (e.g. a 1 ms execution sample period).
   */
  private static final String JFR = System.getProperty("fleet.jfr", "");
  /** -Dfleet.change=false, -Dfleet.ansible=false: skip the image change, or Ansible (e.g. while profiling). */
  private static final boolean CHANGE = Boolean.parseBoolean(System.getProperty("fleet.change", "true"));
  private static final boolean ANSIBLE = Boolean.parseBoolean(System.getProperty("fleet.ansible", "true"));
  private static final boolean HOSTOPS = Boolean.parseBoolean(System.getProperty("fleet.hostops", "true"));
  /** -Dfleet.idleWindows=N: idle windows of two resyncs each, measured one after another (the last is reported). */
  private static final int IDLE_WINDOWS = Integer.getInteger("fleet.idleWindows", 1);
  private static final dev.hostops.testhosts.NetworkLink.Profile PROFILE = dev.hostops.testhosts.NetworkLink.Profile
      .valueOf(System.getProperty("bench.profile", "direct").toUpperCase(java.util.Locale.ROOT));

  /** One release: its shard ("" for the default release), its process, the services it owns. */
  private record Release(String shard, OperatorProcess process, List<String> services) {
    String label() {
      return shard.isEmpty() ? "default release" : "shard " + shard;
    }
  }

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
    if (HOSTOPS) { // -Dfleet.hostops=false: the Ansible half alone, on the same hosts
      List<Release> releases = new ArrayList<>();
      try (KubeApi api = KubeApi.start()) {
        api.namespace(NS);
        api.namespace(OPERATOR_NS);
        KubernetesClient k = api.admin();
        for (int r = 0; r < SHARDS; r++) {
          String shard = SHARDS == 1 ? "" : String.valueOf((char) ('a' + r));
          List<HasMetadata> rbac = shard.isEmpty() ? Chart.rbacOfRelease("hostops", OPERATOR_NS)
              : Chart.rbacOfRelease("hostops-" + shard, OPERATOR_NS, "shard", shard);
          api.apply(rbac);
          // -Dfleet.javaOptions=…, or -Dfleet.javaOptions.SHARD=… for one shard's process (settings side by side)
          String jvm = System.getProperty("fleet.javaOptions." + shard, System.getProperty("fleet.javaOptions", ""));
          OperatorProcess p = OperatorProcess.start("fleet-" + (shard.isEmpty() ? "default" : shard),
              api.kubeconfigAs(OPERATOR_NS, Chart.serviceAccount(rbac)), Map.of("POD_NAMESPACE", OPERATOR_NS,
                  "HOSTOPS_RESYNC_SECONDS", String.valueOf(RESYNC.toSeconds()), "HOSTOPS_SSH_TIMEOUT_SECONDS", "30",
                  "HOSTOPS_SHARD", shard), jvm.isBlank() ? List.of() : List.of(jvm.strip().split("\\s+")));
          if (!jvm.isBlank()) {
            System.out.printf("  %s: JVM options %s%n", shard.isEmpty() ? "default release" : "shard " + shard, jvm);
          }
          releases.add(new Release(shard, p, new ArrayList<>()));
          for (int i = r * PER_PROCESS; i < (r + 1) * PER_PROCESS; i++) {
            host(k, fleet.get(i), "h" + i, ports[i], shard);
          }
        }
        String v1 = fleet.get(0).image("hostops/demo:v1");
        long t0 = System.nanoTime();
        for (Release r : releases) {
          for (int s = 0; s < SERVICES; s++) {
            String name = (r.shard().isEmpty() ? "" : r.shard() + "-") + "s" + s;
            k.resource(service(name, r.shard(), v1)).create();
            r.services().add(name);
          }
        }
        double[] cold = awaitReady(k, releases, t0, "cold convergence", null);

        // idle: two resyncs with nothing to do, after one to settle; -Dfleet.idleWindows=N measures N windows
        // in a row (a fresh JVM keeps compiling the reconcile paths for minutes), the last one reported
        Thread.sleep(RESYNC.toMillis());
        double[] trips = new double[SHARDS];
        double[] cpu = new double[SHARDS];
        long writes = 0;
        String jobs = "";
        String[] where = new String[SHARDS];
        for (int w = 1; w <= IDLE_WINDOWS; w++) {
          Duration[] cpu0 = new Duration[SHARDS];
          List<Map<Long, OperatorProcess.ThreadCpu>> threads0 = new ArrayList<>();
          // one read of each process's /metrics per window end (as often as a Prometheus scraping every 30 s)
          List<Map<String, Long>> hostTrips0 = new ArrayList<>();
          double up0 = uptime();
          for (int r = 0; r < SHARDS; r++) {
            hostTrips0.add(releases.get(r).process().roundTripsByHost());
            cpu0[r] = releases.get(r).process().cpuTime();
            threads0.add(releases.get(r).process().threadCpu());
          }
          long api0 = api.writeRequests();
          Thread.sleep(RESYNC.toMillis() * 2);
          writes = api.writeRequests() - api0;
          List<Map<String, Long>> hostTrips1 = new ArrayList<>();
          Duration[] cpu1 = new Duration[SHARDS];
          List<Map<Long, OperatorProcess.ThreadCpu>> threads1 = new ArrayList<>();
          for (int r = 0; r < SHARDS; r++) {
            cpu1[r] = releases.get(r).process().cpuTime();
            threads1.add(releases.get(r).process().threadCpu());
            hostTrips1.add(releases.get(r).process().roundTripsByHost());
          }
          double up1 = uptime();
          // the host with the most round trips, and the jobs its lock.log recorded as started in the same window
          // (test hosts share this machine's kernel, so their /proc/uptime is this one's; a probe is one job)
          int most = 0;
          long mostTrips = -1;
          int over = 0;
          for (int i = 0; i < HOSTS_N; i++) {
            int r = i / PER_PROCESS;
            long t = hostTrips1.get(r).getOrDefault(NS + "/h" + i, 0L) - hostTrips0.get(r).getOrDefault(NS + "/h" + i, 0L);
            over += t > 2 ? 1 : 0;
            if (t > mostTrips) {
              most = i;
              mostTrips = t;
            }
          }
          jobs = "hosts with more than one round trip per resync " + over + "; most: h" + most + " " + mostTrips
              + " in two resyncs, its jobs " + jobsBetween(fleet.get(most), up0, up1);
          for (int r = 0; r < SHARDS; r++) {
            trips[r] = (total(hostTrips1.get(r)) - total(hostTrips0.get(r))) / (double) PER_PROCESS / 2;
            cpu[r] = cpu1[r].minus(cpu0[r]).toNanos() / 1e6 / PER_PROCESS / 2;
            where[r] = where(threads0.get(r), threads1.get(r));
          }
          if (IDLE_WINDOWS > 1) {
            System.out.printf("  idle window %d: operator CPU per host per resync %s ms; round trips per host per resync"
                + " %s; API writes %d%n", w, java.util.Arrays.toString(cpu), java.util.Arrays.toString(trips), writes);
          }
          for (int r = 0; r < SHARDS; r++) {
            System.out.printf("  idle window %d, %s: where the CPU went (ms per host per resync, by thread): %s%n", w,
                releases.get(r).label(), where[r]);
          }
        }
        long[] heap = new long[SHARDS];
        for (int r = 0; r < SHARDS; r++) {
          heap[r] = heapAfterGc(releases.get(r).process());
        }
        if (!JFR.isEmpty()) {
          OperatorProcess p = releases.get(0).process();
          jcmd(p, "JFR.start", "name=idle", "settings=" + System.getProperty("fleet.jfr.settings", "profile"),
              "filename=" + Path.of(JFR).toAbsolutePath());
          Thread.sleep(RESYNC.toMillis());
          Duration j0 = p.cpuTime();
          Thread.sleep(RESYNC.toMillis() * 2);
          System.out.printf("  idle under JFR (%s): operator CPU per host per resync %5.1f ms; recording in %s%n",
              releases.get(0).label(), p.cpuTime().minus(j0).toNanos() / 1e6 / PER_PROCESS / 2, JFR);
          jcmd(p, "JFR.stop", "name=idle");
        }

        // fleet-wide image change, maxUnavailable hosts at a time, every release at once
        double[] change = new double[SHARDS + 1];
        java.util.Arrays.fill(change, Double.NaN);
        if (CHANGE) {
          String v2 = fleet.get(0).image("hostops/demo:v2");
          long c0 = System.nanoTime();
          for (Release r : releases) {
            for (String name : r.services()) {
              k.resources(HostService.class).inNamespace(NS).withName(name).edit(svc -> {
                svc.getSpec().image = v2;
                return svc;
              });
            }
          }
          double upChange = uptime();
          change = awaitReady(k, releases, c0, "image change", v2);
          System.out.println("  image change: where the hosts' time went (lock.log, the jobs run under each host's "
              + "lock): " + hostTime(fleet, upChange, uptime()));
        }

        System.out.printf("hostops, %d hosts x %d services, %s (resync %d s):%n", HOSTS_N, SERVICES, SHARDS == 1
            ? "one operator process" : SHARDS + " operator processes (label shards), " + PER_PROCESS + " hosts each",
            RESYNC.toSeconds());
        for (int r = 0; r < SHARDS; r++) {
          System.out.printf("  %-15s cold convergence %6.1f s; idle: SSH round trips per host per resync %4.1f,"
              + " operator CPU per host per resync %5.1f ms, heap after GC %d MB; image change (maxUnavailable %d)"
              + " %6.1f s%n", releases.get(r).label(), cold[r], trips[r], cpu[r], heap[r], MAX_UNAVAILABLE, change[r]);
        }
        if (SHARDS > 1) {
          System.out.printf("  %-15s cold convergence %6.1f s; idle: SSH round trips per host per resync %4.1f,"
              + " operator CPU per host per resync %5.1f ms; image change %6.1f s%n", "together", cold[SHARDS],
              java.util.Arrays.stream(trips).average().orElse(0), java.util.Arrays.stream(cpu).average().orElse(0),
              change[SHARDS]);
        }
        System.out.printf("  idle: API writes (all processes) %d; %s%n",
            writes, jobs);
      } finally {
        releases.forEach(r -> r.process().close());
      }
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

  private static void host(KubernetesClient k, TestHost vm, String name, int port, String shard) {
    k.secrets().inNamespace(NS).resource(new SecretBuilder().withNewMetadata().withName(name + "-key").withNamespace(NS)
        .endMetadata().withType("kubernetes.io/ssh-auth").addToStringData("ssh-privatekey", vm.privateKey()).build())
        .create();
    Host host = new Host();
    host.setMetadata(new ObjectMetaBuilder().withName(name).withNamespace(NS).withLabels(labels(shard)).build());
    host.setSpec(new HostSpec());
    host.getSpec().address = vm.address();
    host.getSpec().port = port;
    host.getSpec().sshKeySecretRef = new SecretKeyRef(name + "-key", "ssh-privatekey");
    host.getSpec().knownHosts = vm.through(port, "root").knownHosts();
    k.resource(host).create();
  }

  private static Map<String, String> labels(String shard) {
    return shard.isEmpty() ? Map.of("fleet", "bench") : Map.of("fleet", "bench", Shard.LABEL, shard);
  }

  private static HostService service(String name, String shard, String image) {
    HostService svc = OperatorHarness.service(name, image);
    svc.getMetadata().setLabels(shard.isEmpty() ? Map.of() : Map.of(Shard.LABEL, shard));
    svc.getSpec().hosts = null;
    svc.getSpec().hostSelector = new LabelSelectorBuilder().addToMatchLabels(labels(shard)).build();
    svc.getSpec().env = List.of(new EnvVar("LOG_NAME", name));
    svc.getSpec().logs = new LogSpec();
    svc.getSpec().logs.mount = true;
    svc.getSpec().rollout = new RolloutSpec();
    svc.getSpec().rollout.maxUnavailable = MAX_UNAVAILABLE;
    return svc;
  }

  /** Seconds from {@code since} until each release's services were all Ready at their generation; last: all. */
  /**
   * Waits until every release's services are Ready; prints a progress line every 15 s and, with {@code newImage}
   * (an image change), a line per wave: when the slowest service has maxUnavailable more hosts on it.
   */
  private static double[] awaitReady(KubernetesClient k, List<Release> releases, long since, String phase,
                                     String newImage) throws InterruptedException {
    double[] at = new double[releases.size() + 1];
    java.util.Arrays.fill(at, -1);
    System.out.printf("  %s: begun%n", phase);
    double lastLine = 0;
    double lastWave = 0;
    int wave = 0;
    long deadline = since + TimeUnit.MINUTES.toNanos(20);
    while (at[releases.size()] < 0) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not Ready after 20 minutes: " + k.resources(HostService.class).inNamespace(NS).list()
            .getItems().stream().filter(s -> !OperatorHarness.ready(s)).map(OperatorHarness::describe).toList());
      }
      Map<String, HostService> now = new java.util.HashMap<>();
      k.resources(HostService.class).inNamespace(NS).list().getItems().forEach(s -> now.put(s.getMetadata().getName(), s));
      boolean all = true;
      for (int r = 0; r < releases.size(); r++) {
        boolean ready = releases.get(r).services().stream().allMatch(n -> OperatorHarness.ready(now.get(n)));
        if (ready && at[r] < 0) {
          at[r] = secs(since);
        }
        all &= ready;
      }
      double t = secs(since);
      long ready = now.values().stream().filter(OperatorHarness::ready).count();
      if (newImage != null) {
        // hosts on the new image, in the service that has fewest: a wave ends when it rises by maxUnavailable
        int slowest = now.values().stream().mapToInt(svc -> svc.getStatus() == null ? 0 : (int) svc.getStatus().hosts
            .stream().filter(h -> "Running".equals(h.state) && h.previousImageDigest != null
                && !h.previousImageDigest.equals(h.imageDigest)).count()).min().orElse(0);
        while (slowest >= (wave + 1) * MAX_UNAVAILABLE || all && slowest > wave * MAX_UNAVAILABLE) {
          wave++;
          System.out.printf("  %s: wave %d (%d hosts on it in every service) at %6.1f s (+%5.1f s)%n", phase, wave,
              Math.min(slowest, wave * MAX_UNAVAILABLE), t, t - lastWave);
          lastWave = t;
        }
      }
      if (all) {
        at[releases.size()] = t;
        System.out.printf("  %s: every service Ready at %6.1f s%n", phase, t);
      } else {
        if (t - lastLine >= 15) {
          System.out.printf("  %s: %6.1f s, %d of %d services Ready%n", phase, t, ready, now.size());
          lastLine = t;
        }
        Thread.sleep(500);
      }
    }
    return at;
  }

  /** Seconds since boot, as the host program stamps its lock.log lines (test hosts share this kernel). */
  private static double uptime() throws java.io.IOException {
    return Double.parseDouble(Files.readString(Path.of("/proc/uptime")).split(" ")[0]);
  }

  /**
   * Per job kind over every host, for the jobs started between two uptimes: how many, their mean and longest
   * time under the lock, and how much of the window the busiest host was held (a host runs one job at a time:
   * the rest wait for it, probes included).
   */
  private static String hostTime(List<TestHost> fleet, double from, double to) {
    Map<String, double[]> kinds = new java.util.TreeMap<>(); // count, total, max
    double busiest = 0;
    for (TestHost vm : fleet) {
      Map<String, Double> started = new java.util.HashMap<>();
      Map<String, String> kindOf = new java.util.HashMap<>();
      double held = 0;
      for (String line : vm.shOk("cat /run/hostops/lock.log").lines().toList()) {
        String[] f = line.split(" ");
        if (f.length >= 5 && f[0].equals("start") && Double.parseDouble(f[2]) >= from && Double.parseDouble(f[2]) < to) {
          started.put(f[1], Double.parseDouble(f[2]));
          kindOf.put(f[1], f[4]);
        } else if (f.length >= 5 && f[0].equals("end") && started.containsKey(f[1])) {
          double took = Double.parseDouble(f[2]) - started.get(f[1]);
          double[] k = kinds.computeIfAbsent(kindOf.get(f[1]), x -> new double[3]);
          k[0]++;
          k[1] += took;
          k[2] = Math.max(k[2], took);
          held += took;
        }
      }
      busiest = Math.max(busiest, held / (to - from));
    }
    StringBuilder out = new StringBuilder();
    kinds.forEach((kind, k) -> out.append(String.format("%s %d (mean %.2f s, longest %.2f s); ", kind, (int) k[0],
        k[1] / k[0], k[2])));
    return out.append(String.format("busiest host held %.0f%% of the %.0f s", busiest * 100, to - from)).toString();
  }

  /** The jobs (by name, with counts) the host's lock.log recorded as started between two uptimes. */
  private static String jobsBetween(TestHost vm, double from, double to) {
    Map<String, Integer> jobs = new java.util.TreeMap<>();
    vm.shOk("cat /run/hostops/lock.log").lines().map(l -> l.split(" "))
        .filter(f -> f.length >= 5 && f[0].equals("start") && Double.parseDouble(f[2]) >= from
            && Double.parseDouble(f[2]) < to)
        .forEach(f -> jobs.merge(f[4], 1, Integer::sum));
    return jobs.isEmpty() ? "none" : jobs.toString();
  }

  private static long total(Map<String, Long> roundTripsByHost) {
    return roundTripsByHost.values().stream().mapToLong(Long::longValue).sum();
  }

  /** The thread kinds that used the most CPU between two {@link OperatorProcess#threadCpu} readings, per host per resync. */
  private static String where(Map<Long, OperatorProcess.ThreadCpu> before, Map<Long, OperatorProcess.ThreadCpu> after) {
    Map<String, Duration> byKind = new java.util.HashMap<>();
    after.forEach((tid, now) -> {
      // a thread that ended takes its time with it; one that started counts from zero
      Duration was = before.containsKey(tid) ? before.get(tid).cpu() : Duration.ZERO;
      byKind.merge(now.kind(), now.cpu().minus(was), Duration::plus);
    });
    return byKind.entrySet().stream()
        .filter(e -> !e.getValue().isNegative() && !e.getValue().isZero())
        .sorted(Map.Entry.<String, Duration>comparingByValue().reversed()).limit(8)
        .map(e -> String.format("%s %.1f", e.getKey(), e.getValue().toNanos() / 1e6 / PER_PROCESS / 2))
        .collect(java.util.stream.Collectors.joining(", "));
  }

  /** Heap used after a full GC, in MB, asked of the process with jcmd (G1's one heap, or Serial's generations). */
  private static long heapAfterGc(OperatorProcess p) throws Exception {
    jcmd(p, "GC.run");
    Matcher m = Pattern.compile("(?:heap|generation) +total \\d+K, used (\\d+)K").matcher(jcmd(p, "GC.heap_info"));
    long used = -1;
    while (m.find()) {
      used = Math.max(used, 0) + Long.parseLong(m.group(1));
    }
    return used < 0 ? -1 : used / 1024;
  }

  private static String jcmd(OperatorProcess p, String... command) throws Exception {
    List<String> argv = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
        String.valueOf(p.process().pid())));
    argv.addAll(List.of(command));
    return run(Path.of("."), argv.toArray(String[]::new));
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
