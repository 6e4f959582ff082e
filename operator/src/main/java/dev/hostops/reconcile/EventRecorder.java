package dev.hostops.reconcile;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.ObjectReferenceBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.time.Instant;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Kubernetes Events for what hostops did on a host (`kubectl describe` shows them). */
public final class EventRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void normal(HasMetadata about, String reason, String message) {
    record(about, "Normal", reason, message);
  }

  public void warning(HasMetadata about, String reason, String message) {
    record(about, "Warning", reason, message);
  }

  private void record(HasMetadata about, String type, String reason, String message) {
    String now = Instant.now().toString();
    try {
      client.v1().events().inNamespace(about.getMetadata().getNamespace()).resource(new EventBuilder()
          .withNewMetadata()
          .withName(about.getMetadata().getName() + "." + UUID.randomUUID().toString().substring(0, 8))
          .withNamespace(about.getMetadata().getNamespace())
          .endMetadata()
          .withInvolvedObject(new ObjectReferenceBuilder()
              .withApiVersion(about.getApiVersion())
              .withKind(about.getKind())
              .withName(about.getMetadata().getName())
              .withNamespace(about.getMetadata().getNamespace())
              .withUid(about.getMetadata().getUid())
              .build())
          .withType(type)
          .withReason(reason)
          .withMessage(message.length() > 1000 ? message.substring(0, 1000) : message)
          .withFirstTimestamp(now)
          .withLastTimestamp(now)
          .withCount(1)
          .withReportingComponent("hostops")
          .withNewSource().withComponent("hostops").endSource()
          .build()).create();
    } catch (RuntimeException e) {
      LOG.warn("{} {}/{}: could not record event {}: {}", about.getKind(), about.getMetadata().getNamespace(),
          about.getMetadata().getName(), reason, e.getMessage());
    }
  }
}
