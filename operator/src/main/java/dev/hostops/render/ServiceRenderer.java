package dev.hostops.render;

import dev.hostops.api.EnvSource;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.ObjectName;
import dev.hostops.api.ServiceDirectory;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** Renders a HostService into the files it puts on a host. Pure: no I/O. */
public final class ServiceRenderer {
  public static final String UNIT_DIR = ServiceLayout.UNIT_DIR;
  /** How the messages of problems that come from the Host (not from the service) begin, for people. */
  public static final String HOST_PROBLEM = "the Host's ";

  private ServiceRenderer() {}

  /** A service that cannot be rendered as it is; each problem names its field. */
  public static final class InvalidServiceException extends Exception {
    private final List<RenderProblem> problems;

    public InvalidServiceException(List<RenderProblem> problems) {
      super(problems.stream().map(RenderProblem::message).collect(Collectors.joining("; ")));
      this.problems = List.copyOf(problems);
    }

    /** The messages, for people. */
    public List<String> problems() {
      return problems.stream().map(RenderProblem::message).toList();
    }

    /** Whether every problem has this reason. */
    public boolean all(RenderProblem.Reason reason) {
      return problems.stream().allMatch(p -> p.reason() == reason);
    }
  }

  /** For a service without Secret/ConfigMap references, on a host with `docker compose`. */
  public static RenderedService render(HostService service) {
    try {
      return render(service, References.NONE, HostContext.DEFAULT);
    } catch (InvalidServiceException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Call {@link ServiceValidation#problems} first; this checks only what depends on references and host. */
  public static RenderedService render(HostService service, References refs, HostContext host)
      throws InvalidServiceException {
    String name = service.getMetadata().getName();
    String owner = owner(service);
    HostServiceSpec spec = service.getSpec();
    ServiceLayout layout = new ServiceLayout(name);
    List<RenderProblem> problems = new ArrayList<>();
    List<String> serviceProblems = new ArrayList<>(); // of the service's own references
    List<HostFile> files = new ArrayList<>();
    List<String> reloadablePaths = new ArrayList<>();
    List<String> readAtPull = new ArrayList<>();
    List<HostDirectory> subdirs = new ArrayList<>();
    if (spec.compose != null && host.composeCommand() == null) {
      problems.add(new RenderProblem(RenderProblem.Reason.HOST_LACKS_COMPOSE,
          "spec.compose: the host has neither `docker compose` nor `docker-compose`"));
    }
    byte[] dockerConfig = pullCredentials(spec, refs, host, problems);
    String composeCommand = host.composeCommand() == null ? "docker compose" : host.composeCommand();
    files.add(HostFile.text(layout.unitPath(), "644",
        UnitRenderer.service(name, owner, spec, composeCommand, dockerConfig != null)));
    if (spec.schedule != null) {
      files.add(HostFile.text(layout.timerPath(), "644", UnitRenderer.timer(name, owner, spec.schedule)));
    }
    List<ServiceFile> serviceFiles = spec.orEmpty(spec.files);
    for (int i = 0; i < serviceFiles.size(); i++) {
      ServiceFile f = serviceFiles.get(i);
      String field = "spec.files[" + i + "]";
      byte[] content;
      boolean secret = false;
      if (f.secretRef != null) {
        content = lookup(refs.secrets(), "Secret", f.secretRef, field + ".secretRef", serviceProblems);
        secret = true;
      } else if (f.configMapRef != null) {
        content = lookup(refs.configMaps(), "ConfigMap", f.configMapRef, field + ".configMapRef", serviceProblems);
      } else {
        content = f.content == null ? new byte[0] : f.content.getBytes(StandardCharsets.UTF_8);
      }
      if (content != null) {
        String mode = f.mode != null ? f.mode.replaceFirst("^0(?=[0-7]{3}$)", "") : secret ? "600" : "644";
        boolean reloadable = !spec.orEmpty(spec.reload).isEmpty();
        files.add(new HostFile(layout.filePath(f), mode, content, secret, reloadable && f.mountPath != null));
        if (reloadable) {
          reloadablePaths.add(layout.filePath(f));
        }
      }
    }
    boolean reloadable = !spec.orEmpty(spec.reload).isEmpty();
    List<ServiceDirectory> directories = spec.orEmpty(spec.directories);
    for (int i = 0; i < directories.size(); i++) {
      ServiceDirectory d = directories.get(i);
      boolean secret = d.secretRef != null;
      String field = "spec.directories[" + i + "]." + (secret ? "secretRef" : "configMapRef");
      ObjectName ref = secret ? d.secretRef : d.configMapRef;
      Map<String, byte[]> data = (secret ? refs.secrets() : refs.configMaps()).get(ref.name);
      if (data == null) {
        serviceProblems.add(field + ": " + (secret ? "Secret " : "ConfigMap ") + ref.name + " not found");
        continue;
      }
      String dir = layout.directoryPath(d);
      subdirs.add(new HostDirectory(dir, secret ? "700" : "755"));
      for (Map.Entry<String, byte[]> e : new TreeMap<>(data).entrySet()) {
        // Kubernetes allows [-._a-zA-Z0-9]+ as keys; "." and ".." are the only ones that are not file names
        if (!e.getKey().matches("[-._a-zA-Z0-9]+") || e.getKey().equals(".") || e.getKey().equals("..")) {
          serviceProblems.add(field + ": key '" + e.getKey() + "' of " + ref.name + " is not a file name");
          continue;
        }
        files.add(new HostFile(dir + "/" + e.getKey(), secret ? "600" : "644", e.getValue(), secret));
      }
      if (reloadable) {
        reloadablePaths.add(dir + "/");
      }
    }
    if (dockerConfig != null) {
      subdirs.add(new HostDirectory(layout.dockerConfigDir(), "700"));
      files.add(new HostFile(layout.dockerConfigPath(), "600", dockerConfig, true));
      readAtPull.add(layout.dockerConfigPath());
    }
    List<EnvSource> envFrom = spec.orEmpty(spec.envFrom);
    for (int i = 0; i < envFrom.size(); i++) {
      EnvSource e = envFrom.get(i);
      boolean secret = e.secretRef != null;
      String field = "spec.envFrom[" + i + "]." + (secret ? "secretRef" : "configMapRef");
      byte[] content = envFile(secret ? refs.secrets() : refs.configMaps(), secret ? "Secret" : "ConfigMap",
          secret ? e.secretRef : e.configMapRef, field, serviceProblems);
      if (content != null) {
        files.add(new HostFile(layout.envFilePath(e), "600", content, secret));
      }
    }
    if (spec.compose != null) {
      byte[] content = spec.compose.content != null ? spec.compose.content.getBytes(StandardCharsets.UTF_8)
          : lookup(refs.configMaps(), "ConfigMap", spec.compose.configMapRef, "spec.compose.configMapRef",
          serviceProblems);
      if (content != null) {
        files.add(new HostFile(layout.composePath(), "644", content, false));
      }
    }
    // after the compose and pull-credential problems, as they always came
    serviceProblems.forEach(p -> problems.add(new RenderProblem(RenderProblem.Reason.SERVICE, p)));
    if (!problems.isEmpty()) {
      throw new InvalidServiceException(problems);
    }
    List<HostDirectory> dirs = new ArrayList<>();
    if (files.size() > (spec.schedule != null ? 2 : 1) || !subdirs.isEmpty()) {
      dirs.add(new HostDirectory(layout.dir(), "700"));
    }
    dirs.addAll(subdirs);
    if (spec.logs != null && (spec.logs.mount || spec.logs.stdoutToFile)) {
      dirs.add(new HostDirectory(ServiceLayout.LOG_DIR, null));
    }
    return new RenderedService(name, owner, files, reloadablePaths, readAtPull, dirs, spec.startOnBoot,
        spec.schedule != null, spec.suspend, spec.compose != null, spec.adopt,
        pulls(name, spec, composeCommand, dockerConfig != null), spec.replaces);
  }

  /** What an apply pulls before it (re)starts the service: the unit's own pulls, after a pinned tag's. */
  private static List<List<String>> pulls(String name, HostServiceSpec spec, String composeCommand, boolean creds) {
    List<List<String>> pulls = new ArrayList<>(UnitRenderer.prefetch(name, spec, creds));
    pulls.addAll(UnitRenderer.pulls(name, spec, composeCommand, creds));
    return pulls;
  }

  /**
   * The Docker config.json a lookup of the service's image uses: its own imagePullSecrets, then those of the
   * Hosts it runs on; null when there are none or one cannot be read (the render reports that).
   */
  public static byte[] registryConfig(HostServiceSpec spec, References refs, List<String> hostPullSecrets) {
    List<RenderProblem> problems = new ArrayList<>();
    byte[] config = pullCredentials(spec, refs, new HostContext(null, hostPullSecrets), problems);
    return problems.isEmpty() ? config : null;
  }

  /** The service's Docker config with its pull credentials (its own Secrets, then the Host's), or null. */
  private static byte[] pullCredentials(HostServiceSpec spec, References refs, HostContext host,
                                        List<RenderProblem> problems) {
    List<RegistryCredentials.Source> sources = new ArrayList<>();
    List<ObjectName> own = spec.orEmpty(spec.imagePullSecrets);
    for (int i = 0; i < own.size(); i++) {
      sources.add(new RegistryCredentials.Source("spec.imagePullSecrets[" + i + "]", own.get(i).name,
          RenderProblem.Reason.SERVICE));
    }
    List<String> defaults = host.imagePullSecrets() == null ? List.of() : host.imagePullSecrets();
    for (int i = 0; i < defaults.size(); i++) {
      String name = defaults.get(i);
      if (own.stream().noneMatch(o -> name.equals(o.name))) {
        sources.add(new RegistryCredentials.Source(HOST_PROBLEM + "spec.imagePullSecrets[" + i + "]", name,
            RenderProblem.Reason.HOST_SETTINGS));
      }
    }
    return sources.isEmpty() ? null : RegistryCredentials.configJson(sources, refs, problems);
  }

  private static byte[] lookup(Map<String, Map<String, byte[]>> source, String kind, ValueSource ref, String field,
                               List<String> problems) {
    Map<String, byte[]> data = source.get(ref.name);
    if (data == null) {
      problems.add(field + ": " + kind + " " + ref.name + " not found");
      return null;
    }
    if (ref.key == null || !data.containsKey(ref.key)) {
      problems.add(field + ": " + kind + " " + ref.name + " has no key '" + ref.key + "'");
      return null;
    }
    return data.get(ref.key);
  }

  /** An env file for docker --env-file: one KEY=VALUE per line, values verbatim, no quoting. */
  private static byte[] envFile(Map<String, Map<String, byte[]>> source, String kind, ValueSource ref, String field,
                                List<String> problems) {
    if (ref.key != null) {
      return lookup(source, kind, ref, field, problems);
    }
    Map<String, byte[]> data = source.get(ref.name);
    if (data == null) {
      problems.add(field + ": " + kind + " " + ref.name + " not found");
      return null;
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Map.Entry<String, byte[]> e : new TreeMap<>(data).entrySet()) {
      if (!e.getKey().matches("[A-Za-z_][A-Za-z0-9_]*")) {
        problems.add(field + ": key '" + e.getKey() + "' of " + kind + " " + ref.name
            + " is not a valid variable name");
        continue;
      }
      String value = new String(e.getValue(), StandardCharsets.UTF_8);
      if (value.contains("\n") || value.contains("\r") || value.contains("\0")) {
        // never quote the value: it may be a secret
        problems.add(field + ": key " + e.getKey() + " of " + kind + " " + ref.name
            + " has a multi-line value, which an env file cannot carry (mount it as a file instead)");
        continue;
      }
      out.writeBytes((e.getKey() + "=" + value + "\n").getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  public static String owner(HostService service) {
    return service.getMetadata().getNamespace() + "/" + service.getMetadata().getName();
  }
}
