package dev.hostops.testhosts;

import dev.hostops.ssh.ExecResult;
import java.util.List;

/** The local test registry, as a person pushing releases uses it: tags moved by `docker tag` and `docker push`. */
public final class Registry {
  /** Where the test registries are reached over plain HTTP: this machine (127.0.0.1) and the hosts' gateway. */
  public static final String INSECURE = "127.0.0.1,172.17.0.1";
  private static final String LOCAL = "127.0.0.1:5000/";

  private Registry() {}

  /**
   * Points {@code repoAndTag} (e.g. hostops/rs:latest) at the image {@code fromRepoAndTag} (e.g. hostops/demo:v2)
   * and pushes it: a release. Returns the digest the tag points at now (sha256:…).
   */
  public static String push(String fromRepoAndTag, String repoAndTag) {
    ok(List.of("docker", "pull", "-q", LOCAL + fromRepoAndTag));
    ok(List.of("docker", "tag", LOCAL + fromRepoAndTag, LOCAL + repoAndTag));
    ok(List.of("docker", "push", "-q", LOCAL + repoAndTag));
    String repo = repoAndTag.substring(0, repoAndTag.lastIndexOf(':'));
    String digests = ok(List.of("docker", "image", "inspect", "-f", "{{join .RepoDigests \" \"}}", LOCAL + repoAndTag));
    for (String d : digests.strip().split(" ")) {
      if (d.startsWith(LOCAL + repo + "@")) {
        return d.substring(d.indexOf('@') + 1);
      }
    }
    throw new IllegalStateException("no digest of " + repoAndTag + " after the push: " + digests);
  }

  private static String ok(List<String> command) {
    ExecResult r = TestHosts.exec(command);
    if (!r.ok()) {
      throw new IllegalStateException(String.join(" ", command) + " failed: " + r.stderr());
    }
    return r.stdout();
  }
}
