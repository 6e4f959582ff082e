package dev.hostops.render;

import dev.hostops.api.EnvSource;
import dev.hostops.api.EnvVar;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.PreStartStep;
import dev.hostops.api.RestartSpec;
import dev.hostops.api.ScheduleSpec;
import dev.hostops.api.ServiceDirectory;
import dev.hostops.api.ServiceFile;
import dev.hostops.api.Volume;
import java.util.ArrayList;
import java.util.List;

/**
 * The systemd units for a service, in the runbook's shape: pull, stop and remove the old
 * container, then {@code docker run} in the foreground so systemd supervises it. Every line of a
 * unit hostops writes comes from here.
 */
public final class UnitRenderer {
  static final String DOCKER = "/usr/bin/docker";

  private UnitRenderer() {}

  public static String service(String name, String owner, HostServiceSpec spec, String composeCommand) {
    return service(name, owner, spec, composeCommand, false);
  }

  /**
   * @param pullCredentials the service has registry credentials in its own Docker config directory
   *                        ({@link ServiceLayout#dockerConfigDir}): every pull reads them from there
   */
  public static String service(String name, String owner, HostServiceSpec spec, String composeCommand,
                               boolean pullCredentials) {
    ServiceLayout layout = new ServiceLayout(name);
    StringBuilder u = new StringBuilder();
    u.append(header(owner));
    if (spec.restartedAt != null) {
      // a new value changes the unit, and so restarts the service (pattern-checked: no newline, nothing systemd expands)
      u.append("# Restarted at ").append(spec.restartedAt).append(" (spec.restartedAt)\n");
    }
    u.append("[Unit]\n");
    u.append("Description=").append(SystemdQuoting.text("hostops service " + owner)).append('\n');
    List<String> deps = new ArrayList<>(List.of("docker.service"));
    spec.orEmpty(spec.requires).forEach(r -> deps.add(r + ".service"));
    u.append("Requires=").append(String.join(" ", deps)).append('\n');
    u.append("After=").append(String.join(" ", deps)).append('\n');
    RestartSpec restart = spec.restartOrDefault();
    if (restart.startLimitIntervalSeconds != null) {
      u.append("StartLimitIntervalSec=").append(restart.startLimitIntervalSeconds).append('\n');
    }
    if (restart.startLimitBurst != null) {
      u.append("StartLimitBurst=").append(restart.startLimitBurst).append('\n');
    }
    u.append('\n');
    u.append("[Service]\n");
    if (spec.compose != null) {
      List<String> compose = compose(name, composeCommand);
      for (List<String> pull : pulls(name, spec, composeCommand, pullCredentials)) {
        u.append("ExecStartPre=-").append(SystemdQuoting.commandLine(pull)).append('\n');
      }
      u.append("ExecStart=").append(line(compose, "up", "--remove-orphans")).append('\n');
      u.append("ExecStop=").append(line(compose, "down")).append('\n');
    } else {
      boolean pinned = pinned(spec.image);
      // "-": a pull that fails (registry down while the host boots) starts on the image the host has;
      // the probe reads the pull's exit status and status says so. Without a local image, run fails.
      for (List<String> pull : pulls(name, spec, composeCommand, pullCredentials)) {
        u.append("ExecStartPre=-").append(SystemdQuoting.commandLine(pull)).append('\n');
      }
      u.append("ExecStartPre=-").append(SystemdQuoting.commandLine(List.of(DOCKER, "stop", name))).append('\n');
      u.append("ExecStartPre=-").append(SystemdQuoting.commandLine(List.of(DOCKER, "rm", name))).append('\n');
      List<PreStartStep> steps = spec.orEmpty(spec.preStart);
      for (int i = 0; i < steps.size(); i++) {
        u.append("ExecStartPre=").append(SystemdQuoting.commandLine(preStart(name, spec, i, steps.get(i))))
            .append('\n');
      }
      List<String> run = dockerRun(name, spec);
      if (pinned && pullCredentials) {
        run.addAll(1, List.of("--config", layout.dockerConfigDir()));
      }
      u.append("ExecStart=").append(SystemdQuoting.commandLine(run)).append('\n');
      if (!spec.orEmpty(spec.reload).isEmpty()) {
        List<String> reload = new ArrayList<>(List.of(DOCKER, "exec"));
        if (spec.reloadWorkdir != null) {
          reload.add("--workdir=" + spec.reloadWorkdir);
        }
        reload.add(name);
        reload.addAll(spec.reload);
        u.append("ExecReload=").append(SystemdQuoting.commandLine(reload)).append('\n');
      }
      u.append("ExecStop=").append(SystemdQuoting.commandLine(List.of(DOCKER, "stop", name))).append('\n');
    }
    if (spec.logs != null && spec.logs.stdoutToFile) {
      u.append("StandardOutput=append:").append(layout.logFile()).append('\n');
      u.append("StandardError=append:").append(layout.logFile()).append('\n');
    }
    u.append("Restart=").append(restart.policy).append('\n');
    u.append("RestartSec=").append(restart.delaySeconds).append('\n');
    // A pull of a large image may take minutes; systemd's default 90 s would kill it.
    u.append("TimeoutStartSec=15min\n");
    // `docker run` exits 143 when `docker stop` ended the container with SIGTERM: a clean stop.
    u.append("SuccessExitStatus=143\n");
    if (spec.startOnBoot && spec.schedule == null) {
      u.append('\n');
      u.append("[Install]\n");
      u.append("WantedBy=multi-user.target\n");
    }
    return u.toString();
  }

  /**
   * The pulls each start of the service runs before its container (its {@code ExecStartPre} pulls), as
   * words: none for {@code pull: Never}; none for an image pinned by digest, which cannot change
   * ({@code docker run} pulls it only when the host lacks it, so a rollback to a digest the host kept
   * needs no registry).
   */
  public static List<List<String>> pulls(String name, HostServiceSpec spec, String composeCommand,
                                         boolean pullCredentials) {
    if (!"Always".equals(spec.pull)) {
      return List.of();
    }
    ServiceLayout layout = new ServiceLayout(name);
    if (spec.compose != null) {
      List<String> pull = new ArrayList<>(composePull(compose(name, composeCommand),
          pullCredentials ? layout.dockerConfigDir() : null));
      pull.add("pull");
      return List.of(pull);
    }
    List<String> docker = pullCredentials ? List.of(DOCKER, "--config", layout.dockerConfigDir(), "pull")
        : List.of(DOCKER, "pull");
    List<List<String>> out = new ArrayList<>();
    if (!pinned(spec.image)) {
      out.add(with(docker, spec.image));
    }
    for (PreStartStep step : spec.orEmpty(spec.preStart)) {
      if (step.image != null && !step.image.equals(spec.image)) {
        out.add(with(docker, step.image));
      }
    }
    return out;
  }

  /**
   * The pull an apply runs before restarting a service whose image is a tag pinned by digest (tag@sha256:…,
   * as a restart or spec.update pins it), so the old container serves during the download. The unit itself
   * does not pull it ({@link #pulls}). None for an image given by digest alone: a host put back on the digest
   * it ran before needs no registry.
   */
  public static List<List<String>> prefetch(String name, HostServiceSpec spec, boolean pullCredentials) {
    if (!"Always".equals(spec.pull) || spec.compose != null || !pinned(spec.image)
        || !spec.image.substring(spec.image.lastIndexOf('/') + 1, spec.image.indexOf('@')).contains(":")) {
      return List.of();
    }
    List<String> pull = new ArrayList<>(pullCredentials
        ? List.of(DOCKER, "--config", new ServiceLayout(name).dockerConfigDir(), "pull") : List.of(DOCKER, "pull"));
    pull.add(spec.image);
    return List.of(pull);
  }

  private static List<String> with(List<String> base, String word) {
    List<String> words = new ArrayList<>(base);
    words.add(word);
    return words;
  }

  /** {@code docker compose -p NAME -f PATH} (or docker-compose), as words. */
  private static List<String> compose(String name, String composeCommand) {
    List<String> compose = new ArrayList<>(List.of(composeCommand.split(" ")));
    compose.set(0, "docker".equals(compose.get(0)) ? DOCKER : "/usr/bin/" + compose.get(0));
    compose.addAll(List.of("-p", name, "-f", new ServiceLayout(name).composePath()));
    return compose;
  }

  /** An image by digest (repo@sha256:…): what it names never changes. */
  public static boolean pinned(String image) {
    return image != null && (image.contains("@sha256:") || image.matches("sha256:[a-f0-9]{64}"));
  }

  public static String timer(String name, String owner, ScheduleSpec schedule) {
    StringBuilder u = new StringBuilder();
    u.append(header(owner));
    u.append("[Unit]\n");
    u.append("Description=").append(SystemdQuoting.text("hostops schedule for " + owner)).append('\n');
    u.append('\n');
    u.append("[Timer]\n");
    u.append("OnCalendar=").append(schedule.onCalendar).append('\n');
    u.append("Persistent=").append(schedule.persistent == null || schedule.persistent).append('\n');
    // systemd's default AccuracySec=1min lets a timer fire up to a minute late; jobs here want their time.
    u.append("AccuracySec=1s\n");
    if (schedule.randomizedDelaySeconds != null) {
      u.append("RandomizedDelaySec=").append(schedule.randomizedDelaySeconds).append('\n');
    }
    u.append("Unit=").append(name).append(".service\n");
    u.append('\n');
    u.append("[Install]\n");
    u.append("WantedBy=timers.target\n");
    return u.toString();
  }

  private static String header(String owner) {
    return "# Managed by hostops for HostService " + owner
        + ". Edits here are reverted: change the HostService instead.\n";
  }

  /**
   * The compose command that pulls with the service's own credentials: `docker --config DIR compose`
   * for the plugin; docker-compose v1 has no such option and reads DOCKER_CONFIG instead.
   */
  private static List<String> composePull(List<String> compose, String configDir) {
    if (configDir == null) {
      return compose;
    }
    List<String> w = new ArrayList<>();
    if (compose.get(0).equals(DOCKER)) {
      w.addAll(List.of(DOCKER, "--config", configDir));
      w.addAll(compose.subList(1, compose.size()));
    } else {
      w.addAll(List.of("/usr/bin/env", "DOCKER_CONFIG=" + configDir));
      w.addAll(compose);
    }
    return w;
  }

  private static String line(List<String> base, String... more) {
    List<String> words = new ArrayList<>(base);
    words.addAll(List.of(more));
    return SystemdQuoting.commandLine(words);
  }

  /** The {@code docker run} command as words, before quoting. */
  static List<String> dockerRun(String name, HostServiceSpec spec) {
    List<String> w = new ArrayList<>(List.of(DOCKER, "run", "--name", name));
    if (spec.hostname != null) {
      w.add("--hostname");
      w.add("%H".equals(spec.hostname) ? SystemdQuoting.HOST_NAME : spec.hostname);
    }
    for (String port : spec.portsOrEmpty()) {
      w.add("-p");
      w.add(port);
    }
    w.addAll(containerOptions(name, spec));
    for (String cap : spec.orEmpty(spec.capAdd)) {
      w.add("--cap-add");
      w.add(cap);
    }
    if (spec.logs != null) {
      for (String opt : spec.orEmpty(spec.logs.options)) {
        w.add("--log-opt");
        w.add(opt);
      }
    }
    w.addAll(spec.orEmpty(spec.extraArgs));
    w.add(spec.image);
    w.addAll(spec.argsOrEmpty());
    return w;
  }

  private static List<String> preStart(String name, HostServiceSpec spec, int index, PreStartStep step) {
    List<String> w = new ArrayList<>(List.of(DOCKER, "run", "--rm", "--name", name + "-prestart-" + index));
    w.addAll(containerOptions(name, spec));
    w.add(step.image == null ? spec.image : step.image);
    w.addAll(step.args);
    return w;
  }

  /** What the service's containers (main and pre-start) share: environment, files, volumes, hosts. */
  private static List<String> containerOptions(String name, HostServiceSpec spec) {
    ServiceLayout layout = new ServiceLayout(name);
    List<String> w = new ArrayList<>();
    for (String host : spec.orEmpty(spec.addHosts)) {
      w.add("--add-host");
      w.add(host);
    }
    for (EnvSource e : spec.orEmpty(spec.envFrom)) {
      w.add("--env-file");
      w.add(layout.envFilePath(e));
    }
    for (EnvVar e : spec.envOrEmpty()) {
      w.add("-e");
      w.add(e.name + "=" + (e.value == null ? "" : e.value));
    }
    for (ServiceFile f : spec.orEmpty(spec.files)) {
      if (f.mountPath != null) {
        w.add("-v");
        w.add(layout.filePath(f) + ":" + f.mountPath + (f.readOnlyOrDefault() ? ":ro" : ""));
      }
    }
    for (ServiceDirectory d : spec.orEmpty(spec.directories)) {
      if (d.mountPath != null) {
        w.add("-v");
        w.add(layout.directoryPath(d) + ":" + d.mountPath + (d.readOnlyOrDefault() ? ":ro" : ""));
      }
    }
    for (Volume v : spec.orEmpty(spec.volumes)) {
      w.add("-v");
      w.add((v.hostPath != null ? v.hostPath : v.name) + ":" + v.mountPath + (v.readOnly ? ":ro" : ""));
    }
    if (spec.logs != null && spec.logs.mount) {
      w.add("-v");
      w.add(ServiceLayout.LOG_DIR + ":/var/logs");
    }
    return w;
  }
}
