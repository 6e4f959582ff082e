package dev.hostops.render;

import dev.hostops.api.EnvSource;
import dev.hostops.api.ServiceDirectory;
import dev.hostops.api.ServiceFile;

/** Where a service's things live on a host (the runbook's conventions). */
public record ServiceLayout(String name) {
  public static final String UNIT_DIR = "/etc/systemd/system";
  public static final String LOG_DIR = "/root/var/logs";

  public String dir() {
    return "/root/" + name;
  }

  public String unitPath() {
    return UNIT_DIR + "/" + name + ".service";
  }

  public String timerPath() {
    return UNIT_DIR + "/" + name + ".timer";
  }

  public String filePath(ServiceFile f) {
    return dir() + "/" + f.name;
  }

  /** The service's own Docker client config directory (docker --config): its registry credentials. */
  public String dockerConfigDir() {
    return dir() + "/.docker";
  }

  public String dockerConfigPath() {
    return dockerConfigDir() + "/config.json";
  }

  public String directoryPath(ServiceDirectory d) {
    return dir() + "/" + d.name;
  }

  public String envFilePath(EnvSource e) {
    boolean secret = e.secretRef != null;
    var ref = secret ? e.secretRef : e.configMapRef;
    return dir() + "/" + (secret ? "secret-" : "configmap-") + ref.name + (ref.key == null ? "" : "-" + ref.key)
        + ".env";
  }

  public String composePath() {
    return dir() + "/compose.yaml";
  }

  public String logFile() {
    return LOG_DIR + "/" + name + ".log";
  }
}
