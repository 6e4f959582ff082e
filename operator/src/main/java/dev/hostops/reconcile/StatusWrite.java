package dev.hostops.reconcile;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import java.util.Objects;
import java.util.function.Function;

/**
 * How a reconcile's status reaches the API server. Nothing is written when the status is what it was
 * (an idle resync costs the API nothing: no write, no watch event for every client). A status that
 * changed is applied server-side without the resourceVersion the reconcile started from, so another
 * writer (kubectl label, Argo CD) or a spec edit during the reconcile does not make the write fail with
 * a conflict and the whole reconcile, host work included, run again: the status field is hostops' own.
 */
final class StatusWrite {
  private StatusWrite() {}

  static <R extends HasMetadata> UpdateControl<R> onlyIfChanged(R resource, Function<R, Object> status,
                                                                 Function<R, UpdateControl<R>> reconcile) {
    // the JSON of the status this version was read with is computed once per version (ResourceJson)
    String before = ResourceJson.INSTANCE.statusJson(resource, status);
    UpdateControl<R> control = reconcile.apply(resource);
    if (!control.isPatchStatus()) {
      return control;
    }
    if (Objects.equals(before, ResourceJson.INSTANCE.asJson(status.apply(resource)))) {
      UpdateControl<R> none = UpdateControl.noUpdate();
      control.getScheduleDelay().ifPresent(none::rescheduleAfter);
      return none;
    }
    resource.getMetadata().setResourceVersion(null);
    resource.getMetadata().setManagedFields(null);
    return control;
  }
}
