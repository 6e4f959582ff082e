package dev.hostops.testhosts;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.hostops.ssh.ExecResult;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * JUnit 5 extension that boots real test hosts through {@code testhosts/testhosts} and removes
 * them after the test class, also when it failed. Hosts left by an earlier, killed test JVM are
 * removed first (each host is labelled with the pid of the JVM that owns it).
 *
 * <pre>
 * {@literal @}RegisterExtension static final TestHosts HOSTS = new TestHosts();
 * TestHost host = HOSTS.boot("smoke");
 * </pre>
 */
public final class TestHosts implements BeforeAllCallback, AfterAllCallback {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final long PID = ProcessHandle.current().pid();
  private static volatile boolean prepared;

  private final List<String> booted = new ArrayList<>();

  @Override
  public void beforeAll(ExtensionContext context) {
    prepare();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    List<String> names;
    synchronized (booted) {
      names = new ArrayList<>(booted);
      booted.clear();
    }
    if (!names.isEmpty()) {
      List<String> cmd = new ArrayList<>(List.of(script(), "down"));
      cmd.addAll(names);
      exec(cmd);
    }
  }

  /** Boots a host named {@code ho<pid>-<name>}; it is removed after the test class. */
  public TestHost boot(String name) {
    return up(name);
  }

  /**
   * A Docker network {@code ho<pid>-<name>} for hosts behind a bastion ({@link #bootBehind},
   * {@link #bootBastion}); removed after the test class, after its hosts.
   */
  public String network(String name) {
    String full = "ho" + PID + "-" + name;
    synchronized (booted) {
      booted.add(full);
    }
    ExecResult r = exec(List.of(script(), "network", full, "pid:" + PID));
    if (!r.ok()) {
      throw new IllegalStateException("testhosts network " + full + " failed: " + r.stderr());
    }
    return full;
  }

  /**
   * A host on {@code network} only, its SSH port not published: this machine cannot reach it, nor resolve
   * its address ({@code NAME.internal}); a bastion on the same network can.
   */
  public TestHost bootBehind(String name, String network) {
    return up(name, "--network", network, "--no-publish");
  }

  /** A host reachable from this machine (published SSH port) and attached to {@code network}: a bastion. */
  public TestHost bootBastion(String name, String network) {
    return up(name, "--network", network);
  }

  private TestHost up(String name, String... options) {
    String full = "ho" + PID + "-" + name;
    synchronized (booted) {
      booted.add(full);
    }
    List<String> command = new ArrayList<>(List.of(script(), "up", full, "pid:" + PID));
    command.addAll(List.of(options));
    ExecResult r = exec(command);
    if (!r.ok()) {
      throw new IllegalStateException("testhosts up " + full + " failed: " + r.stderr());
    }
    try {
      return new TestHost(JSON.readTree(r.stdout()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Boots several hosts in parallel. */
  public List<TestHost> boot(String... names) {
    List<CompletableFuture<TestHost>> futures = new ArrayList<>();
    for (String n : names) {
      futures.add(CompletableFuture.supplyAsync(() -> boot(n)));
    }
    return futures.stream().map(CompletableFuture::join).toList();
  }

  /** Removes one host now (e.g. to test a host that is gone). */
  public void remove(TestHost host) {
    exec(List.of(script(), "down", host.name()));
  }

  private static synchronized void prepare() {
    if (prepared) {
      return;
    }
    exec(List.of(script(), "reap"));
    ExecResult r = exec(List.of(script(), "prepare"));
    if (!r.ok()) {
      throw new IllegalStateException("testhosts prepare failed: " + r.stderr());
    }
    prepared = true;
  }

  public static String script() {
    String configured = System.getProperty("hostops.testhosts");
    if (configured != null) {
      return configured;
    }
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("testhosts/testhosts");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("testhosts/testhosts not found above " + Path.of("").toAbsolutePath());
  }

  public static ExecResult exec(List<String> command) {
    try {
      Process p = new ProcessBuilder(command).start();
      p.getOutputStream().close();
      CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
      byte[] out = readAll(p.getInputStream());
      int code = p.waitFor();
      return new ExecResult(code, new String(out, StandardCharsets.UTF_8),
          new String(err.join(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static byte[] readAll(java.io.InputStream in) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    try {
      in.transferTo(buf);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return buf.toByteArray();
  }
}
