package dev.hostops.render;

import dev.hostops.api.EnvSource;
import dev.hostops.api.HostService;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.ValueSource;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Renders a HostService into the files it puts on a host. Pure: no I/O. */
public final class ServiceRenderer {
  public static final String UNIT_DIR = ServiceLayout.UNIT_DIR;

  private ServiceRenderer() {}

  /** A service that cannot be rendered as it is; each problem names its field. */
  public static final class InvalidServiceException extends Exception {
    private final List<String> problems;

    public InvalidServiceException(List<String> problems) {
      super(String.join("; ", problems));
      this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
      return problems;
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
    List<String> problems = new ArrayList<>();
    List<HostFile> files = new ArrayList<>();
    List<String> reloadablePaths = new ArrayList<>();
    if (spec.compose != null && host.composeCommand() == null) {
      problems.add("spec.compose: the host has neither `docker compose` nor `docker-compose`");
    }
    files.add(HostFile.text(layout.unitPath(), "644",
        UnitRenderer.service(name, owner, spec, host.composeCommand() == null ? "docker compose" : host.composeCommand())));
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
        content = lookup(refs.secrets(), "Secret", f.secretRef, field + ".secretRef", problems);
        secret = true;
      } else if (f.configMapRef != null) {
        content = lookup(refs.configMaps(), "ConfigMap", f.configMapRef, field + ".configMapRef", problems);
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
    List<EnvSource> envFrom = spec.orEmpty(spec.envFrom);
    for (int i = 0; i < envFrom.size(); i++) {
      EnvSource e = envFrom.get(i);
      boolean secret = e.secretRef != null;
      String field = "spec.envFrom[" + i + "]." + (secret ? "secretRef" : "configMapRef");
      byte[] content = envFile(secret ? refs.secrets() : refs.configMaps(), secret ? "Secret" : "ConfigMap",
          secret ? e.secretRef : e.configMapRef, field, problems);
      if (content != null) {
        files.add(new HostFile(layout.envFilePath(e), "600", content, secret));
      }
    }
    if (spec.compose != null) {
      byte[] content = spec.compose.content != null ? spec.compose.content.getBytes(StandardCharsets.UTF_8)
          : lookup(refs.configMaps(), "ConfigMap", spec.compose.configMapRef, "spec.compose.configMapRef", problems);
      if (content != null) {
        files.add(new HostFile(layout.composePath(), "644", content, false));
      }
    }
    if (!problems.isEmpty()) {
      throw new InvalidServiceException(problems);
    }
    List<String> dirs = new ArrayList<>();
    if (files.size() > (spec.schedule != null ? 2 : 1)) {
      dirs.add(layout.dir());
    }
    if (spec.logs != null && (spec.logs.mount || spec.logs.stdoutToFile)) {
      dirs.add(ServiceLayout.LOG_DIR);
    }
    return new RenderedService(name, owner, files, reloadablePaths, dirs, spec.startOnBoot, spec.schedule != null,
        spec.suspend, spec.compose != null, spec.adopt);
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
