package dev.hostops.testhosts;

import dev.hostops.ssh.ExecResult;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Argo CD's application controller and repo-server (the real ones, built by {@code testhosts/argocd build})
 * run against a test's API server, with a state folder of their own, stopped on close. Applications live in
 * namespace {@value #NS}; read them with {@link #application}.
 */
public final class ArgoCd implements AutoCloseable {
  public static final String NS = "argocd";
  public static final ResourceDefinitionContext APPLICATIONS = new ResourceDefinitionContext.Builder()
      .withGroup("argoproj.io").withVersion("v1alpha1").withPlural("applications").withKind("Application")
      .withNamespaced(true).build();
  private static final long PID = ProcessHandle.current().pid();
  private static final String STATES = "/var/tmp/hostops-argocd";

  private final KubernetesClient client;
  private final String state;

  private ArgoCd(KubernetesClient client, String state) {
    this.client = client;
    this.state = state;
  }

  /** Starts Argo CD against the API server of {@code kubeconfig}; about ten seconds once it is built. */
  public static ArgoCd start(Path kubeconfig, KubernetesClient admin) {
    reap();
    String state = STATES + "/state-" + PID;
    ExecResult r = run(state, "up", kubeconfig.toAbsolutePath().toString());
    if (!r.ok()) {
      throw new IllegalStateException("testhosts/argocd up failed (bin/test builds it: testhosts/argocd build): "
          + r.stderr());
    }
    return new ArgoCd(admin, state);
  }

  /**
   * Stops what the Argo CDs of test JVMs that are gone left running (a killed JVM does not close its Argo CD:
   * the processes run in their own session), and removes their state folders.
   */
  private static void reap() {
    java.io.File[] states = new java.io.File(STATES).listFiles((d, n) -> n.matches("state-[0-9]+"));
    if (states == null) {
      return;
    }
    for (java.io.File state : states) {
      long pid = Long.parseLong(state.getName().substring("state-".length()));
      if (pid != PID && ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
        continue;
      }
      run(state.getPath(), "down");
      try (var walk = Files.walk(state.toPath())) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** The folder of the processes' logs. */
  public String state() {
    return state;
  }

  public GenericKubernetesResource application(String name) {
    return client.genericKubernetesResources(APPLICATIONS).inNamespace(NS).withName(name).get();
  }

  /** Asks for a comparison with Git now (after a commit), as {@code argocd app get --hard-refresh} does. */
  public void refresh(String name) {
    client.genericKubernetesResources(APPLICATIONS).inNamespace(NS).withName(name)
        .edit(a -> {
          a.getMetadata().getAnnotations().put("argocd.argoproj.io/refresh", "hard");
          return a;
        });
  }

  /** status.sync.status: Synced, OutOfSync, Unknown (null before the first comparison). */
  public static String sync(GenericKubernetesResource app) {
    return string(app, "status", "sync", "status");
  }

  /** status.health.status: Healthy, Progressing, Degraded, Suspended, Missing, Unknown. */
  public static String health(GenericKubernetesResource app) {
    return string(app, "status", "health", "status");
  }

  /** status.sync.revision: the Git commit the last comparison was made with. */
  public static String revision(GenericKubernetesResource app) {
    return string(app, "status", "sync", "revision");
  }

  /** status.operationState.phase of the last sync: Running, Succeeded, Failed, Error. */
  public static String operationPhase(GenericKubernetesResource app) {
    return string(app, "status", "operationState", "phase");
  }

  /** The revision the last sync operation synced to. */
  public static String operationRevision(GenericKubernetesResource app) {
    return string(app, "status", "operationState", "syncResult", "revision");
  }

  /** How many syncs status.history records. */
  @SuppressWarnings("unchecked")
  public static int history(GenericKubernetesResource app) {
    Object status = app == null ? null : app.getAdditionalProperties().get("status");
    Object h = status instanceof Map<?, ?> m ? m.get("history") : null;
    return h instanceof List<?> l ? l.size() : 0;
  }

  @SuppressWarnings("unchecked")
  private static String string(GenericKubernetesResource app, String... path) {
    if (app == null) {
      return null;
    }
    Object o = app.getAdditionalProperties().get(path[0]);
    for (int i = 1; i < path.length && o != null; i++) {
      o = o instanceof Map<?, ?> m ? ((Map<String, Object>) m).get(path[i]) : null;
    }
    return o == null ? null : o.toString();
  }

  @Override
  public void close() {
    run(state, "down");
  }

  private static ExecResult run(String state, String... args) {
    List<String> cmd = new java.util.ArrayList<>(List.of(script()));
    cmd.addAll(List.of(args));
    try {
      ProcessBuilder pb = new ProcessBuilder(cmd);
      pb.environment().put("HOSTOPS_ARGOCD_STATE", state);
      Process p = pb.start();
      p.getOutputStream().close();
      var err = java.util.concurrent.CompletableFuture.supplyAsync(() -> read(p.getErrorStream()));
      String out = read(p.getInputStream());
      return new ExecResult(p.waitFor(), out, err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String read(java.io.InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String script() {
    Path dir = Path.of("").toAbsolutePath();
    while (dir != null) {
      Path candidate = dir.resolve("testhosts/argocd");
      if (Files.isExecutable(candidate)) {
        return candidate.toString();
      }
      dir = dir.getParent();
    }
    throw new IllegalStateException("testhosts/argocd not found above " + Path.of("").toAbsolutePath());
  }

  /** A Git repository in a local folder, reached by Argo CD as file://PATH (as Argo CD's own e2e tests do). */
  public static final class GitRepo {
    private final Path dir;

    public GitRepo(Path dir) {
      this.dir = dir.toAbsolutePath();
      try {
        if (Files.exists(this.dir)) {
          try (var walk = Files.walk(this.dir)) {
            walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
          }
        }
        Files.createDirectories(this.dir);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      git("init", "-q", "-b", "main");
      git("config", "user.email", "test@hostops.dev");
      git("config", "user.name", "hostops test");
    }

    public String url() {
      return "file://" + dir;
    }

    /** Writes (or, with null content, removes) files and commits them; returns the commit's hash. */
    public String commit(String message, Map<String, String> files) {
      try {
        for (Map.Entry<String, String> f : files.entrySet()) {
          Path p = dir.resolve(f.getKey());
          if (f.getValue() == null) {
            Files.deleteIfExists(p);
          } else {
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      git("add", "-A");
      git("commit", "-q", "-m", message);
      return git("rev-parse", "HEAD").strip();
    }

    private String git(String... args) {
      List<String> cmd = new java.util.ArrayList<>(List.of("git", "-C", dir.toString()));
      cmd.addAll(List.of(args));
      ExecResult r = TestHosts.exec(cmd);
      if (!r.ok()) {
        throw new IllegalStateException(String.join(" ", cmd) + ": " + r.stderr());
      }
      return r.stdout();
    }
  }
}
