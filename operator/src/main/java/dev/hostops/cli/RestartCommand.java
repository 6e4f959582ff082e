package dev.hostops.cli;

import dev.hostops.api.HostService;
import dev.hostops.host.HostConnection;
import dev.hostops.ssh.HostException;
import dev.hostops.ssh.Streamed;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code restart SERVICE}: sets spec.restartedAt to now, so the operator restarts the service on every host as
 * a rollout (pull first, maxUnavailable at a time, health-gated, autoRevert), as {@code kubectl rollout
 * restart} does. The field is written by server-side apply under its own field manager, without force: when
 * a manifest (Git through Argo CD, kubectl apply) owns spec.restartedAt, the API server refuses, and the
 * restart is for that manifest to make; a restart from the terminal is never undone or repeated by a sync.
 * With {@code --host H} only that host is restarted, at once and outside any rollout: it pulls first, then
 * restarts the unit.
 */
final class RestartCommand {
  static final String FIELD_MANAGER = "kubectl-hostops-restart";
  /** Fixed text: the image and the service's name arrive as arguments, never in the script. */
  static final String RESTART_ON_HOST = "img=$1; n=$2; d=/root/$n/.docker; "
      + "if [ -n \"$img\" ]; then if [ -d \"$d\" ]; then docker --config \"$d\" pull -q \"$img\"; "
      + "else docker pull -q \"$img\"; fi || echo \"hostops: the pull of $img failed; restarting on the image the host "
      + "has\" >&2; fi; exec systemctl restart \"$n.service\"";

  private RestartCommand() {}

  static int run(KubernetesClient client, String namespace, String name, String host, PrintStream out, PrintStream err,
                 String prefix) throws UsageException {
    HostService service = client.resources(HostService.class).inNamespace(namespace).withName(name).get();
    if (service == null) {
      throw new UsageException("no HostService '" + name + "' in namespace " + namespace);
    }
    if (service.getSpec().suspend) {
      throw new UsageException(name + " is suspended (spec.suspend): there is nothing running to restart; set "
          + "spec.suspend to false to start it");
    }
    if (service.getSpec().schedule != null) {
      throw new UsageException(name + " runs on a schedule (spec.schedule): there is no container to restart");
    }
    if (host != null) {
      return onHost(ServiceHosts.resolve(client, namespace, name, host, false), out, err, prefix);
    }
    String now = Instant.now().truncatedTo(ChronoUnit.MILLIS).toString();
    String patch = "{\"apiVersion\":\"hostops.dev/v1alpha1\",\"kind\":\"HostService\",\"metadata\":{\"name\":\""
        + name + "\",\"namespace\":\"" + namespace + "\"},\"spec\":{\"restartedAt\":\"" + now + "\"}}";
    try {
      client.resources(HostService.class).inNamespace(namespace).withName(name).patch(new PatchContext.Builder()
          .withPatchType(PatchType.SERVER_SIDE_APPLY).withFieldManager(FIELD_MANAGER).withForce(false).build(), patch);
    } catch (KubernetesClientException e) {
      if (e.getCode() == 409) {
        // the API server names the field manager that owns the field: conflict with "argocd-controller" using …
        Matcher owner = Pattern.compile("conflict with \"([^\"]+)\"")
            .matcher(KubectlHostops.apiProblem(e));
        throw new UsageException("spec.restartedAt of " + name + " comes from a manifest ("
            + (owner.find() ? owner.group(1) : "another field manager") + "): restart by changing it there (a commit "
            + "in Git), or a sync would set it back and restart again");
      }
      throw e;
    }
    out.println("hostservice/" + name + " restarting (spec.restartedAt " + now + "): each host pulls first, then "
        + "restarts, " + service.getSpec().rolloutOrDefault().maxUnavailableOrDefault() + " at a time");
    out.println("  follow: kubectl get hostservice " + name + " -n " + namespace + " -w; wait: kubectl wait "
        + "hostservice/" + name + " -n " + namespace + " --for=jsonpath='{.status.rollout.phase}'=Complete");
    return 0;
  }

  private static int onHost(ServiceHosts hosts, PrintStream out, PrintStream err, String prefix) {
    ServiceHosts.Target t = hosts.targets().get(0);
    HostService service = hosts.service();
    String image = service.getSpec().image == null || "Never".equals(service.getSpec().pull) ? ""
        : service.getStatus() != null && service.getStatus().rollout != null && service.getStatus().rollout.image != null
        ? service.getStatus().rollout.image : service.getSpec().image;
    List<String> args = new ArrayList<>(List.of(image, service.getMetadata().getName()));
    try (HostConnection c = HostConnection.open(t.ssh(), Duration.ofSeconds(30))) {
      Streamed s = c.stream(RESTART_ON_HOST, args, null);
      s.stdin().close();
      ByteArrayOutputStream problems = new ByteArrayOutputStream();
      s.stdout().transferTo(OutputStream.nullOutputStream());
      s.stderr().transferTo(problems);
      Integer exit = s.await();
      s.close();
      String said = problems.toString(StandardCharsets.UTF_8).strip();
      if (exit == null || exit != 0) {
        err.println(prefix + ": " + t.name() + ": the restart failed (exit " + exit + ")"
            + (said.isEmpty() ? "" : ": " + said.lines().reduce((a, b) -> b).orElse("")));
        return KubectlHostops.FAILED;
      }
      if (!said.isEmpty()) {
        err.println(prefix + ": " + t.name() + ": " + said.lines().reduce((a, b) -> b).orElse(""));
      }
      out.println("hostservice/" + service.getMetadata().getName() + " restarted on " + t.name()
          + (image.isEmpty() ? "" : " (pulled " + image + " first)"));
      return 0;
    } catch (HostException e) {
      err.println(prefix + ": " + t.name() + ": " + e.getMessage());
      return KubectlHostops.FAILED;
    } catch (IOException e) {
      err.println(prefix + ": " + t.name() + ": connection lost (" + e.getMessage() + ")");
      return KubectlHostops.FAILED;
    }
  }
}
