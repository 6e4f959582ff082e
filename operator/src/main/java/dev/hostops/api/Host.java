package dev.hostops.api;

import io.fabric8.crd.generator.annotation.AdditionalPrinterColumn;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Categories;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;

/** One Linux VM that hostops reaches over SSH. Its metadata labels are what hostSelector matches. */
@Group(Host.GROUP)
@Version(Host.VERSION)
@ShortNames("vm")
@Categories("hostops")
@AdditionalPrinterColumn(name = "Address", jsonPath = ".spec.address", type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Ready", jsonPath = ".status.conditions[?(@.type==\"Ready\")].status",
    type = AdditionalPrinterColumn.Type.STRING)
@AdditionalPrinterColumn(name = "Services", jsonPath = ".status.services", type = AdditionalPrinterColumn.Type.INTEGER)
@AdditionalPrinterColumn(name = "Docker", jsonPath = ".status.dockerVersion", type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "OS", jsonPath = ".status.os", type = AdditionalPrinterColumn.Type.STRING, priority = 1)
@AdditionalPrinterColumn(name = "Message", jsonPath = ".status.message", type = AdditionalPrinterColumn.Type.STRING,
    priority = 1)
@AdditionalPrinterColumn(name = "Age", jsonPath = ".metadata.creationTimestamp", type = AdditionalPrinterColumn.Type.DATE)
public class Host extends CustomResource<HostSpec, HostStatus> implements Namespaced {
  public static final String GROUP = "hostops.dev";
  public static final String VERSION = "v1alpha1";
}
