package dev.hostops.cli;

import dev.hostops.api.Host;
import dev.hostops.api.HostService;
import dev.hostops.api.LogScrape;
import dev.hostops.reconcile.HostSelection;
import dev.hostops.reconcile.HostValidation;
import dev.hostops.reconcile.ServiceReferences;
import dev.hostops.render.HostContext;
import dev.hostops.render.HostFile;
import dev.hostops.render.LogConfigRenderer;
import dev.hostops.render.LogScrapeValidation;
import dev.hostops.render.References;
import dev.hostops.render.RenderedService;
import dev.hostops.render.ServiceRenderer;
import dev.hostops.render.ServiceValidation;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Secret;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code hostops render -f FILE…}: every file the manifests would put on each host, grouped by
 * host, like {@code helm template}. No cluster, no SSH. Secret contents are never printed.
 */
public final class RenderCommand {
  /** The exit code for a user's mistake, as for a bad flag or file. */
  public static final int INVALID = 2;

  private RenderCommand() {}

  /** Secrets and ConfigMaps given in the files, as rendering takes them. */
  static References references(List<HasMetadata> resources, String namespace) {
    Map<String, Map<String, byte[]>> secrets = new HashMap<>();
    Map<String, Map<String, byte[]>> configMaps = new HashMap<>();
    Map<String, String> types = new HashMap<>();
    for (HasMetadata r : resources) {
      if (!namespace.equals(r.getMetadata().getNamespace())) {
        continue;
      }
      if (r instanceof Secret s) {
        secrets.put(s.getMetadata().getName(), ServiceReferences.secretData(s));
        if (s.getType() != null) {
          types.put(s.getMetadata().getName(), s.getType());
        }
      } else if (r instanceof ConfigMap c) {
        configMaps.put(c.getMetadata().getName(), ServiceReferences.configMapData(c));
      }
    }
    return new References(secrets, configMaps, types);
  }

  /**
   * Returns the process exit code: 0, or 2 when a resource is invalid (one line per problem on
   * {@code err}, the field named). A file that cannot be read as manifests is a {@link UsageException}.
   */
  public static int run(List<Path> files, String namespace, PrintStream out, PrintStream err) throws UsageException {
    List<HasMetadata> resources = Manifests.read(files, namespace);
    Map<String, List<String>> byHost = new LinkedHashMap<>();
    int exit = 0;
    List<Host> hosts = new ArrayList<>();
    for (Host host : resources.stream().filter(Host.class::isInstance).map(Host.class::cast).toList()) {
      List<String> problems = HostValidation.problems(host);
      problems.forEach(p -> err.println("Host " + host.getMetadata().getNamespace() + "/" + host.getMetadata().getName()
          + ": " + p));
      if (problems.isEmpty()) {
        hosts.add(host);
      } else {
        exit = INVALID;
      }
    }
    for (HostService service : resources.stream().filter(HostService.class::isInstance).map(HostService.class::cast)
        .toList()) {
      List<String> problems = ServiceValidation.problems(service);
      if (!problems.isEmpty()) {
        problems.forEach(p -> err.println("HostService " + ServiceRenderer.owner(service) + ": " + p));
        exit = INVALID;
        continue;
      }
      References refs = references(resources, service.getMetadata().getNamespace());
      RenderedService rendered;
      try {
        rendered = ServiceRenderer.render(service, refs, HostContext.DEFAULT);
      } catch (ServiceRenderer.InvalidServiceException e) {
        e.problems().forEach(p -> err.println("HostService " + ServiceRenderer.owner(service) + ": " + p));
        exit = INVALID;
        continue;
      }
      // a Host in the files with default image pull Secrets renders the service for itself
      Map<String, RenderedService> perHost = new HashMap<>();
      for (Host h : hosts) {
        List<String> pull = ServiceReferences.hostPullSecretNames(h);
        if (!pull.isEmpty() && h.getMetadata().getNamespace().equals(service.getMetadata().getNamespace())) {
          try {
            perHost.put(h.getMetadata().getNamespace() + "/" + h.getMetadata().getName(),
                ServiceRenderer.render(service, refs, new HostContext(HostContext.DEFAULT.composeCommand(), pull)));
          } catch (ServiceRenderer.InvalidServiceException e) {
            e.problems().forEach(p -> err.println("HostService " + ServiceRenderer.owner(service) + " on Host "
                + h.getMetadata().getName() + ": " + p));
            exit = INVALID;
          }
        }
      }
      List<String> targets = new ArrayList<>(service.getSpec().hostsOrEmpty().stream()
          .map(h -> service.getMetadata().getNamespace() + "/" + h).toList());
      hosts.stream().filter(h -> HostSelection.targets(service, h))
          .map(h -> h.getMetadata().getNamespace() + "/" + h.getMetadata().getName())
          .filter(h -> !targets.contains(h)).forEach(targets::add);
      if (targets.isEmpty()) {
        err.println("HostService " + ServiceRenderer.owner(service) + ": selects no Host in the given files");
      }
      for (String host : targets) {
        List<String> blocks = byHost.computeIfAbsent(host, k -> new ArrayList<>());
        for (HostFile f : perHost.getOrDefault(host, rendered).files()) {
          blocks.add("--- " + f.path() + " (mode " + f.mode() + ", HostService " + rendered.owner() + ")\n"
              + (f.secret() ? "# secret: " + f.content().length + " bytes, not shown\n"
              : f.contentAsText()));
        }
      }
    }
    List<LogScrape> scrapes = new ArrayList<>();
    for (var scrape : resources.stream().filter(LogScrape.class::isInstance)
        .map(LogScrape.class::cast).toList()) {
      List<String> problems = LogScrapeValidation.problems(scrape);
      problems.forEach(p -> err.println("LogScrape " + scrape.getMetadata().getNamespace() + "/"
          + scrape.getMetadata().getName() + ": " + p));
      if (problems.isEmpty()) {
        scrapes.add(scrape);
      } else {
        exit = INVALID;
      }
    }
    for (Host host : hosts) {
      List<LogScrape> selecting = scrapes.stream().filter(sc -> HostSelection.targets(sc, host)).toList();
      if (selecting.isEmpty() && host.getSpec().logAgent == null) {
        continue;
      }
      String key = host.getMetadata().getNamespace() + "/" + host.getMetadata().getName();
      try {
        // the host label is the machine's hostname on the host; here the Host's name stands in for it
        var config = LogConfigRenderer.render(host.getMetadata().getName(), host.getSpec().logAgent,
            System.getenv().getOrDefault("HOSTOPS_LOKI_URL", "http://loki:3100/loki/api/v1/push"), selecting);
        byHost.computeIfAbsent(key, k -> new ArrayList<>()).add("--- " + config.path() + " (mode 644, "
            + config.format() + " config from " + selecting.size() + " LogScrapes)\n" + config.content());
      } catch (LogConfigRenderer.LogConfigException e) {
        err.println("Host " + key + ": log config: " + e.getMessage());
        exit = INVALID;
      }
    }
    for (Map.Entry<String, List<String>> e : byHost.entrySet()) {
      out.println("### Host " + e.getKey());
      e.getValue().forEach(out::print);
      out.println();
    }
    return exit;
  }
}
