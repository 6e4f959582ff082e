package dev.hostops.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/**
 * Log scrape jobs for the hosts it selects. Every LogScrape selecting a host is merged into that
 * host's one log agent config (promtail, or Grafana Alloy), which is reloaded only when it changed.
 */
@Group(Host.GROUP)
@Version(Host.VERSION)
@ShortNames("lscrape")
@Categories("hostops")
@AdditionalPrinterColumn(name = "Hosts", jsonPath = ".status.readyHosts", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Reason", jsonPath = ".status.conditions[?(@.type==\"Ready\")].reason",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class LogScrape extends CustomResource<LogScrapeSpec, LogScrapeStatus> implements Namespaced {
}
