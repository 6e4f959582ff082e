package dev.hostops.testhosts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A link made by Toxiproxy (the harness' one server, {@code testhosts toxiproxy}): a proxy on 127.0.0.1 in
 * front of a test host's SSH port (or any TCP service), with a network profile, plus faults added and
 * removed at will over Toxiproxy's HTTP API. The kernel here has no netem qdisc, so distance is made in
 * user space.
 */
public final class NetworkLink implements AutoCloseable {
  /** The profiles {@code testhosts proxy} knows; see its usage for what each is. */
  public enum Profile {
    DIRECT, WAN, SLOW, FLAKY;

    String arg() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final String API = "http://127.0.0.1:" + System.getenv().getOrDefault("HOSTOPS_TOXIPROXY_PORT", "8474");

  private final String proxy;
  private final String hostName;
  private final int port;
  private volatile Profile profile;
  private volatile double baseline;

  private NetworkLink(String proxy, String hostName, int port, Profile profile) {
    this.proxy = proxy;
    this.hostName = hostName;
    this.port = port;
    this.profile = profile;
    this.baseline = receivedUpstream();
  }

  /** Puts the host's SSH port behind a proxy with {@code profile} ({@code testhosts proxy}). */
  static NetworkLink ssh(String hostName, Profile profile, long seed) {
    int port = Integer.parseInt(proxyCommand(hostName, profile, seed));
    return new NetworkLink(hostName + "-ssh", hostName, port, profile);
  }

  /** A proxy with no toxics in front of any TCP service on this machine, e.g. the API server. */
  public static NetworkLink to(String name, String upstream) {
    TestHosts.exec(List.of(TestHosts.script(), "toxiproxy"));
    String proxy = "pid" + ProcessHandle.current().pid() + "-" + name;
    call("DELETE", "/proxies/" + proxy, null, true);
    JsonNode created = call("POST", "/proxies", "{\"name\":\"" + proxy + "\",\"listen\":\"127.0.0.1:0\",\"upstream\":\""
        + upstream + "\",\"enabled\":true}", false);
    String listen = created.get("listen").asText();
    return new NetworkLink(proxy, null, Integer.parseInt(listen.substring(listen.lastIndexOf(':') + 1)), Profile.DIRECT);
  }

  private static String proxyCommand(String hostName, Profile profile, long seed) {
    var r = TestHosts.exec(List.of(TestHosts.script(), "proxy", hostName, profile.arg(), Long.toString(seed)));
    if (!r.ok()) {
      throw new IllegalStateException("testhosts proxy " + hostName + " " + profile.arg() + " failed: " + r.stderr());
    }
    return r.stdout().strip();
  }

  /** The port on 127.0.0.1 to connect to instead of the host's own. */
  public int port() {
    return port;
  }

  public Profile profile() {
    return profile;
  }

  /**
   * Sets the profile anew (toxics added by the methods below are removed), and points the proxy at the
   * host's SSH port as published now (a rebooted test host publishes a new one); the port stays.
   */
  public void reset(Profile profile) {
    if (hostName == null) {
      throw new IllegalStateException("only a host's link has a profile");
    }
    proxyCommand(hostName, profile, 17);
    this.profile = profile;
  }

  /**
   * The link goes silent both ways, as a dropped route: connections stay open, nothing gets through
   * (Toxiproxy's {@code timeout} toxic with no timeout drops the data) until {@link #resume}.
   */
  public void stall() {
    toxic("stall-up", "timeout", "upstream", "{\"timeout\":0}");
    toxic("stall-down", "timeout", "downstream", "{\"timeout\":0}");
  }

  /** Ends a {@link #stall}; a connection that was stalled has lost data and is of no more use. */
  public void resume() {
    removeToxic("stall-up");
    removeToxic("stall-down");
  }

  /** Connections are cut (closed both ways) after {@code bytes} more client-to-server bytes each. */
  public void cutAfter(long bytes) {
    removeToxic("cut");
    toxic("cut", "limit_data", "upstream", "{\"bytes\":" + bytes + "}");
    call("POST", "/proxies/" + proxy, "{\"enabled\":true}", false);
    baseline = receivedUpstream();
  }

  /** No more cuts (from {@link #cutAfter}); connections are let through again (after {@link #cutNow}). */
  public void whole() {
    removeToxic("cut");
    call("POST", "/proxies/" + proxy, "{\"enabled\":true}", false);
    baseline = receivedUpstream();
  }

  /** Turns a proxy of testhosts (e.g. NAME-registry, from {@code testhosts registry-link}) off (refusing) or on. */
  public static void enable(String proxy, boolean on) {
    call("POST", "/proxies/" + proxy, "{\"enabled\":" + on + "}", false);
  }

  /** Closes every connection now and refuses new ones until {@link #whole}. */
  public void cutNow() {
    call("POST", "/proxies/" + proxy, "{\"enabled\":false}", false);
  }

  /**
   * Client-to-server bytes that reached the proxy since the last {@link #cutAfter} or {@link #whole}, on
   * connections that have ended: Toxiproxy counts a connection's bytes when it closes (end it with
   * {@link #cutNow} to count exactly what was sent, without the client's goodbye). Waits until the count
   * has settled.
   */
  public long forwarded() {
    double last = receivedUpstream();
    long settleBy = System.nanoTime() + 3_000_000_000L;
    int stable = 0;
    while (stable < 3 && System.nanoTime() < settleBy) {
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      double now = receivedUpstream();
      stable = now == last ? stable + 1 : 0;
      last = now;
    }
    return (long) (last - baseline);
  }

  private double receivedUpstream() {
    try {
      String metrics = HTTP.send(HttpRequest.newBuilder(URI.create(API + "/metrics")).build(),
          HttpResponse.BodyHandlers.ofString()).body();
      Matcher m = Pattern.compile("^toxiproxy_proxy_received_bytes_total\\{([^}]*)\\} (\\S+)$", Pattern.MULTILINE)
          .matcher(metrics);
      double sum = 0;
      while (m.find()) {
        // one series per listener address; a proxy keeps its address, but sum in case
        if (m.group(1).contains("direction=\"upstream\"") && m.group(1).contains("proxy=\"" + proxy + "\"")) {
          sum += Double.parseDouble(m.group(2));
        }
      }
      return sum;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void toxic(String name, String type, String stream, String attributes) {
    call("POST", "/proxies/" + proxy + "/toxics", "{\"name\":\"" + name + "\",\"type\":\"" + type + "\",\"stream\":\""
        + stream + "\",\"toxicity\":1,\"attributes\":" + attributes + "}", false);
  }

  private void removeToxic(String name) {
    call("DELETE", "/proxies/" + proxy + "/toxics/" + name, null, true);
  }

  private static JsonNode call(String method, String path, String body, boolean absentIsFine) {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(API + path)).header("Content-Type", "application/json");
    b.method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    try {
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 404 && absentIsFine) {
        return null;
      }
      if (r.statusCode() >= 300) {
        throw new IllegalStateException("toxiproxy " + method + " " + path + ": " + r.statusCode() + " " + r.body());
      }
      return r.body().isBlank() ? null : JSON.readTree(r.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Removes the proxy; its connections are closed. */
  @Override
  public void close() {
    if (hostName != null) {
      TestHosts.exec(List.of(TestHosts.script(), "unproxy", hostName, "ssh"));
    } else {
      call("DELETE", "/proxies/" + proxy, null, true);
    }
  }

  @Override
  public String toString() {
    return proxy + "@127.0.0.1:" + port + " (" + profile.arg() + ")";
  }
}
