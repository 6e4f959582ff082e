package dev.hostops.reconcile;

import dev.hostops.api.Host;
import dev.hostops.api.LogConfigStatus;
import dev.hostops.api.LogScrape;
import dev.hostops.api.LogScrapeStatus;
import dev.hostops.render.LogConfigRenderer;
import io.javaoperatorsdk.operator.api.config.informer.InformerEventSourceConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.Context;
import io.javaoperatorsdk.operator.api.reconciler.ControllerConfiguration;
import io.javaoperatorsdk.operator.api.reconciler.EventSourceContext;
import io.javaoperatorsdk.operator.api.reconciler.Reconciler;
import io.javaoperatorsdk.operator.api.reconciler.UpdateControl;
import io.javaoperatorsdk.operator.processing.event.ResourceID;
import io.javaoperatorsdk.operator.processing.event.source.EventSource;
import io.javaoperatorsdk.operator.processing.event.source.informer.InformerEventSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reports where a LogScrape is in effect. The Host reconciler writes each host's merged config and
 * records the jobs it carries; this reads that back, so the status says what is on the hosts.
 */
@ControllerConfiguration(name = "logscrape")
public final class LogScrapeReconciler implements Reconciler<LogScrape> {
  private static final Logger LOG = LoggerFactory.getLogger(LogScrapeReconciler.class);
  private final Duration resync;
  private final EventRecorder events;

  private final Shard shard;

  public LogScrapeReconciler(Duration resync, EventRecorder events, Shard shard) {
    this.shard = shard;
    this.resync = resync;
    this.events = events;
  }

  @Override
  public List<EventSource<?, LogScrape>> prepareEventSources(EventSourceContext<LogScrape> context) {
    var hosts = InformerEventSourceConfiguration.from(Host.class, LogScrape.class)
        .withSecondaryToPrimaryMapper(h -> context.getPrimaryCache().list(h.getMetadata().getNamespace())
            .map(ResourceID::fromResource).collect(Collectors.toSet()))
        .withLabelSelector(shard.selector())
        .build();
    return List.of(new InformerEventSource<>(hosts, context));
  }

  @Override
  @SuppressWarnings("unchecked")
  public UpdateControl<LogScrape> reconcile(LogScrape scrape, Context<LogScrape> context) {
    return StatusWrite.onlyIfChanged(scrape, LogScrape::getStatus, r -> reconcileStatus(r, context));
  }

  private UpdateControl<LogScrape> reconcileStatus(LogScrape scrape, Context<LogScrape> context) {
    LogScrapeStatus previous = scrape.getStatus() == null ? new LogScrapeStatus() : scrape.getStatus();
    LogScrapeStatus status = new LogScrapeStatus();
    status.observedGeneration = scrape.getMetadata().getGeneration();
    Conditions conditions = new Conditions(previous.conditions, scrape.getMetadata().getGeneration());
    List<String> problems = new ArrayList<>();
    List<String> ids = LogConfigRenderer.jobs(scrape, problems).stream().map(LogConfigRenderer.SourcedJob::id).toList();
    if (!problems.isEmpty()) {
      String message = String.join("; ", problems);
      // an Event when the problem is new, as for a HostService; the condition carries it meanwhile
      if (previous.conditions.stream().noneMatch(c -> "Degraded".equals(c.type) && message.equals(c.message))) {
        events.warning(scrape, "InvalidSpec", message);
        LOG.warn("logscrape={}/{} invalid: {}", scrape.getMetadata().getNamespace(), scrape.getMetadata().getName(),
            message);
      }
      conditions.set("Ready", false, "InvalidSpec", message)
          .set("Degraded", true, "InvalidSpec", message);
      status.conditions = conditions.list();
      scrape.setStatus(status);
      return UpdateControl.patchStatus(scrape);
    }
    InformerEventSource<Host, LogScrape> source = (InformerEventSource<Host, LogScrape>)
        context.eventSourceRetriever().getEventSourceFor(Host.class);
    List<Host> selected = source.list(scrape.getMetadata().getNamespace(), h -> HostSelection.targets(scrape, h))
        .sorted(Comparator.comparing(h -> h.getMetadata().getName())).toList();
    List<String> bad = new ArrayList<>();
    // a host's problem concerns this LogScrape when it names it, or names no LogScrape at all
    String self = scrape.getMetadata().getName();
    for (Host h : selected) {
      LogConfigStatus lc = h.getStatus() == null ? null : h.getStatus().logConfig;
      String name = h.getMetadata().getName();
      if (lc != null && lc.problem != null && (lc.problemScrapes == null || lc.problemScrapes.contains(self))) {
        bad.add(name + ": " + lc.problem);
      } else if (lc != null && lc.jobs.containsAll(ids) && lc.problem == null) {
        status.hosts.add(name);
      }
    }
    status.readyHosts = status.hosts.size() + "/" + selected.size();
    boolean ready = !selected.isEmpty() && status.hosts.size() == selected.size();
    conditions.set("Ready", ready, ready ? "InEffect" : selected.isEmpty() ? "NoHosts" : bad.isEmpty() ? "Pending"
        : "NotApplied", ready ? "in effect on " + status.readyHosts + " hosts"
        : selected.isEmpty() ? "no Host matches spec.hosts or spec.hostSelector"
        : "in effect on " + status.readyHosts + " hosts" + (bad.isEmpty() ? "" : "; " + String.join("; ", bad)));
    conditions.set("Degraded", !bad.isEmpty(), bad.isEmpty() ? "AsExpected" : "NotApplied",
        bad.isEmpty() ? "no host reports a problem" : String.join("; ", bad));
    status.conditions = conditions.list();
    scrape.setStatus(status);
    return UpdateControl.patchStatus(scrape).rescheduleAfter(ready ? resync : Duration.ofSeconds(2));
  }
}
