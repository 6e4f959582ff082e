package dev.hostops.cli;

import com.github.difflib.DiffUtils;
import com.github.difflib.UnifiedDiffUtils;
import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.host.HostConnection;
import dev.hostops.host.HostProgram;
import dev.hostops.host.Manifest;
import dev.hostops.host.Record;
import dev.hostops.reconcile.HostTargets;
import dev.hostops.reconcile.ServiceReferences;
import dev.hostops.render.HostContext;
import dev.hostops.render.HostFile;
import dev.hostops.render.References;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.render.ServiceValidation;
import dev.hostops.ssh.ExecResult;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.SshTarget;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code kubectl hostops diff -f FILE…}: what applying the HostServices in these manifests would change on
 * each live host, as {@code kubectl diff} does for a cluster: unified diffs of the files and units (a
 * secret file is named, never shown), then per service whether its unit would start, restart or reload and
 * which images that start pulls. Read-only: each host is asked once, with the host program's inspect job,
 * which reads files and changes nothing. Exit 0 when nothing differs, 1 when something does.
 *
 * <p>Referenced Secrets and ConfigMaps come from the files when given there, else from the cluster (with the
 * caller's rights); Hosts always come from the cluster, as the operator would use them.
 */
final class DiffCommand {
  static final int DIFFERENT = 1;

  private DiffCommand() {}

  /**
   * The service on the digest its tag is pinned to (a restart's or spec.update's lookup, in the live
   * resource's status.rollout), when the manifest keeps that tag: what the operator would render.
   */
  private static HostService pinned(KubernetesClient client, HostService service) {
    String image = service.getSpec().image;
    HostService live = image == null || image.contains("@") ? null : client.resources(HostService.class)
        .inNamespace(service.getMetadata().getNamespace()).withName(service.getMetadata().getName()).get();
    String rolled = live == null || live.getStatus() == null || live.getStatus().rollout == null ? null
        : live.getStatus().rollout.image;
    if (rolled == null || !rolled.startsWith(image + "@sha256:") || "Never".equals(service.getSpec().pull)) {
      return service;
    }
    HostService copy = Serialization.clone(service);
    copy.getSpec().image = rolled;
    return copy;
  }

  /** One service rendered for the hosts it would run on. */
  private record Planned(RenderedService rendered, List<String> hosts) {}

  static int run(KubernetesClient client, String namespace, List<Path> files, PrintStream out, PrintStream err)
      throws UsageException {
    List<HasMetadata> resources = Manifests.read(files, namespace);
    List<HostService> services = resources.stream().filter(HostService.class::isInstance).map(HostService.class::cast)
        .toList();
    if (services.isEmpty()) {
      throw new UsageException("no HostService in " + files.stream().map(Path::toString).reduce((a, b) -> a + ", " + b)
          .orElse(""));
    }
    // every check of the input first: nothing goes to a host when one service is wrong
    List<Planned> planned = new ArrayList<>();
    Map<String, Host> hosts = new LinkedHashMap<>();
    for (HostService service : services) {
      String owner = ServiceRenderer.owner(service);
      List<String> problems = ServiceValidation.problems(service);
      if (!problems.isEmpty()) {
        throw new UsageException("HostService " + owner + ": " + problems.get(0));
      }
      String ns = service.getMetadata().getNamespace();
      RenderedService rendered;
      try {
        rendered = ServiceRenderer.render(pinned(client, service), references(client, resources, service),
            HostContext.DEFAULT);
      } catch (ServiceRenderer.InvalidServiceException e) {
        throw new UsageException("HostService " + owner + ": " + e.problems().get(0));
      }
      List<String> names = ServiceHosts.hostNames(client, ns, service);
      if (names.isEmpty()) {
        throw new UsageException("HostService " + owner + " selects no Host in namespace " + ns);
      }
      for (String h : names) {
        String key = ns + "/" + h;
        if (!hosts.containsKey(key)) {
          Host host = client.resources(Host.class).inNamespace(ns).withName(h).get();
          if (host == null) {
            throw new UsageException("HostService " + owner + ": Host '" + h + "' does not exist in namespace " + ns);
          }
          hosts.put(key, host);
        }
      }
      planned.add(new Planned(rendered, names.stream().map(h -> ns + "/" + h).toList()));
    }
    Map<String, SshTarget> targets = new LinkedHashMap<>();
    for (Map.Entry<String, Host> h : hosts.entrySet()) {
      String ns = h.getValue().getMetadata().getNamespace();
      try {
        targets.put(h.getKey(), HostTargets.resolve(h.getValue(),
            secret -> client.secrets().inNamespace(ns).withName(secret).get()));
      } catch (HostTargets.InvalidHostException e) {
        throw new UsageException("Host " + h.getKey() + ": " + e.getMessage());
      }
    }
    boolean different = false;
    boolean failed = false;
    for (Map.Entry<String, SshTarget> h : targets.entrySet()) {
      String hostName = hosts.get(h.getKey()).getMetadata().getName();
      List<RenderedService> here = planned.stream().filter(p -> p.hosts().contains(h.getKey())).map(Planned::rendered)
          .toList();
      Map<String, byte[]> live;
      Map<String, String> modes;
      try (HostConnection c = HostConnection.open(h.getValue(), Duration.ofSeconds(30))) {
        Manifest m = new Manifest(HostProgram.Job.INSPECT);
        for (RenderedService r : here) {
          for (HostFile f : r.files()) {
            m.add(Record.READ, f.path()).add(Record.STAT, f.path());
          }
        }
        ExecResult result = c.run(HostProgram.Job.INSPECT, m, Duration.ofSeconds(30));
        if (!result.ok()) {
          throw new HostException("reading the files failed: " + result.stderr().strip());
        }
        live = new HashMap<>();
        modes = new HashMap<>();
        for (String line : result.stdout().split("\n")) {
          String[] f = line.split("\t", 3);
          if (f.length == 3 && f[0].equals("content")) {
            live.put(f[1], Base64.getDecoder().decode(f[2].strip()));
          } else if (f.length == 3 && f[0].equals("file")) {
            modes.put(f[2], f[1]);
          }
        }
      } catch (HostException e) {
        err.println("kubectl hostops diff: Host " + hostName + ": " + e.getMessage());
        failed = true;
        continue;
      }
      for (RenderedService r : here) {
        different |= compare(hostName, r, live, modes, out);
      }
    }
    if (failed) {
      return KubectlHostops.FAILED;
    }
    return different ? DIFFERENT : 0;
  }

  /** Prints the differences of one service on one host; whether there were any. */
  private static boolean compare(String host, RenderedService r, Map<String, byte[]> live, Map<String, String> modes,
                                 PrintStream out) {
    boolean created = !live.containsKey(r.files().get(0).path());
    RenderedService.Effect effect = RenderedService.Effect.NONE;
    StringBuilder b = new StringBuilder();
    for (HostFile f : r.files()) {
      byte[] now = live.get(f.path());
      boolean sameContent = now != null && Arrays.equals(now, f.content());
      String mode = modes.get(f.path());
      boolean sameMode = mode == null || mode.equals(f.mode());
      if (sameContent && sameMode) {
        continue;
      }
      RenderedService.Effect e = r.effectOf(f.path());
      if (e == RenderedService.Effect.RESTART || effect == RenderedService.Effect.NONE) {
        effect = e == RenderedService.Effect.RESTART ? e : effect == RenderedService.Effect.RESTART ? effect : e;
      }
      String from = now == null ? "/dev/null" : host + ":" + f.path() + " (live)";
      String to = host + ":" + f.path() + " (manifests)";
      if (!sameContent && f.secret()) {
        b.append("--- ").append(from).append("\n+++ ").append(to).append("\n# secret: ")
            .append(now == null ? "would be written" : "content differs").append(" (").append(f.content().length)
            .append(" bytes), not shown\n");
      } else if (!sameContent) {
        List<String> before = now == null ? List.of() : lines(now);
        List<String> after = lines(f.content());
        UnifiedDiffUtils.generateUnifiedDiff(from, to, before, DiffUtils.diff(before, after), 3)
            .forEach(l -> b.append(l).append('\n'));
      }
      if (!sameMode && now != null) {
        b.append("# ").append(host).append(':').append(f.path()).append(": mode ").append(mode).append(" -> ")
            .append(f.mode()).append('\n');
      }
    }
    if (b.length() == 0) {
      return false;
    }
    out.print(b);
    String unit = r.unitName();
    String action;
    if (r.suspended()) {
      action = unit + " is suspended: files written, nothing started";
    } else if (r.scheduled()) {
      action = r.timerName() + (created ? " would be started" : " keeps its schedule; the next run uses the new files");
    } else if (created) {
      action = unit + " would be started";
    } else {
      action = switch (effect) {
        case RESTART -> unit + " would restart";
        case RELOAD -> unit + " would reload";
        case NONE -> unit + " keeps running (only files read at the next pull change)";
      };
    }
    boolean starts = !r.suspended() && !r.scheduled() && (created || effect == RenderedService.Effect.RESTART);
    if (starts && !r.pulls().isEmpty()) {
      action += ", pulling " + String.join(", ", r.pulls().stream().map(p -> p.get(p.size() - 1)).toList());
    }
    out.println("# " + host + ": " + action + " (HostService " + r.owner() + ")");
    return true;
  }

  private static List<String> lines(byte[] content) {
    return List.of(new String(content, StandardCharsets.UTF_8).split("\n", -1));
  }

  /** The Secrets and ConfigMaps the service names: from the files when there, else from the cluster. */
  private static References references(KubernetesClient client, List<HasMetadata> resources, HostService service) {
    String ns = service.getMetadata().getNamespace();
    References inFiles = RenderCommand.references(resources, ns);
    Map<String, Map<String, byte[]>> secrets = new HashMap<>(inFiles.secrets());
    Map<String, Map<String, byte[]>> configMaps = new HashMap<>(inFiles.configMaps());
    Map<String, String> types = new HashMap<>(inFiles.secretTypes());
    for (String name : ServiceReferences.secretNames(service)) {
      if (!secrets.containsKey(name)) {
        Secret s = client.secrets().inNamespace(ns).withName(name).get();
        if (s != null) {
          secrets.put(name, ServiceReferences.secretData(s));
          if (s.getType() != null) {
            types.put(name, s.getType());
          }
        }
      }
    }
    for (String name : ServiceReferences.configMapNames(service)) {
      if (!configMaps.containsKey(name)) {
        ConfigMap c = client.configMaps().inNamespace(ns).withName(name).get();
        if (c != null) {
          configMaps.put(name, ServiceReferences.configMapData(c));
        }
      }
    }
    return new References(secrets, configMaps, types);
  }
}
