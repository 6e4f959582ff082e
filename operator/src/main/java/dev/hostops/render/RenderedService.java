package dev.hostops.render;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;

/**
 * Everything one HostService puts on one host.
 *
 * @param name        unit and container name on the host
 * @param owner       namespace/name of the HostService, recorded on the host
 * @param files       files to write, units first
 * @param startOnBoot whether the unit is enabled
 */
public record RenderedService(String name, String owner, List<HostFile> files, boolean startOnBoot) {

  public String unitName() {
    return name + ".service";
  }

  /** Hash over every file's path, mode and content: the "applied hash" shown in status. */
  public String hash() {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    files.stream().sorted(Comparator.comparing(HostFile::path)).forEach(f -> {
      all.writeBytes((f.path() + "\0" + f.mode() + "\0" + f.sha256() + "\n").getBytes(StandardCharsets.UTF_8));
    });
    return HostFile.sha256(all.toByteArray()).substring(0, 16);
  }
}
