package dev.hostops.render;

import dev.hostops.api.EnvVar;
import dev.hostops.api.HostServiceSpec;
import dev.hostops.api.RestartSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The systemd unit for a service, in the runbook's shape: pull, stop and remove the old
 * container, then {@code docker run} in the foreground so systemd supervises it.
 */
public final class UnitRenderer {
  static final String DOCKER = "/usr/bin/docker";

  private UnitRenderer() {}

  public static String render(String name, String owner, HostServiceSpec spec) {
    StringBuilder u = new StringBuilder();
    u.append("# Managed by hostops for HostService ").append(owner)
        .append(". Edits here are reverted: change the HostService instead.\n");
    u.append("[Unit]\n");
    u.append("Description=").append(SystemdQuoting.text("hostops service " + owner)).append('\n');
    u.append("Requires=docker.service\n");
    u.append("After=docker.service\n");
    u.append('\n');
    u.append("[Service]\n");
    if ("Always".equals(spec.pull)) {
      u.append("ExecStartPre=").append(SystemdQuoting.commandLine(List.of(DOCKER, "pull", spec.image))).append('\n');
    }
    u.append("ExecStartPre=-").append(SystemdQuoting.commandLine(List.of(DOCKER, "stop", name))).append('\n');
    u.append("ExecStartPre=-").append(SystemdQuoting.commandLine(List.of(DOCKER, "rm", name))).append('\n');
    u.append("ExecStart=").append(SystemdQuoting.commandLine(dockerRun(name, spec))).append('\n');
    u.append("ExecStop=").append(SystemdQuoting.commandLine(List.of(DOCKER, "stop", name))).append('\n');
    RestartSpec restart = spec.restartOrDefault();
    u.append("Restart=").append(restart.policy).append('\n');
    u.append("RestartSec=").append(restart.delaySeconds).append('\n');
    // A pull of a large image may take minutes; systemd's default 90 s would kill it.
    u.append("TimeoutStartSec=15min\n");
    // `docker run` exits 143 when `docker stop` ended the container with SIGTERM: a clean stop.
    u.append("SuccessExitStatus=143\n");
    if (spec.startOnBoot) {
      u.append('\n');
      u.append("[Install]\n");
      u.append("WantedBy=multi-user.target\n");
    }
    return u.toString();
  }

  /** The {@code docker run} command as words, before quoting. */
  static List<String> dockerRun(String name, HostServiceSpec spec) {
    List<String> w = new ArrayList<>(List.of(DOCKER, "run", "--name", name));
    for (String port : spec.portsOrEmpty()) {
      w.add("-p");
      w.add(port);
    }
    for (EnvVar e : spec.envOrEmpty()) {
      w.add("-e");
      w.add(e.name + "=" + (e.value == null ? "" : e.value));
    }
    w.add(spec.image);
    w.addAll(spec.argsOrEmpty());
    return w;
  }
}
