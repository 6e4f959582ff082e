package dev.hostops.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.cloud.tools.jib.api.Credential;
import com.google.cloud.tools.jib.api.ImageReference;
import com.google.cloud.tools.jib.api.InvalidImageReferenceException;
import com.google.cloud.tools.jib.api.RegistryException;
import com.google.cloud.tools.jib.api.RegistryUnauthorizedException;
import com.google.cloud.tools.jib.event.EventHandlers;
import com.google.cloud.tools.jib.http.FailoverHttpClient;
import com.google.cloud.tools.jib.image.json.ManifestTemplate;
import com.google.cloud.tools.jib.registry.ManifestAndDigest;
import com.google.cloud.tools.jib.registry.RegistryClient;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * What digest a tag points at, asked of its registry (Jib's registry client: the registry API v2, its
 * bearer and basic authentication, manifest lists). One request per image and credentials per interval,
 * however many services or hosts ask: answers (and failures) are kept that long. Messages carry the
 * registry's own words, never a credential.
 */
public final class TagLookup {
  /** Registries reached over plain HTTP, as Docker's insecure-registries (HOSTOPS_INSECURE_REGISTRIES). */
  public static final String INSECURE_ENV = "HOSTOPS_INSECURE_REGISTRIES";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> DOCKER_HUB = Set.of("docker.io", "index.docker.io", "registry-1.docker.io");

  /** A lookup's answer: the digest (sha256:…), or why there is none. */
  public record Answer(String digest, String problem, Instant at) {
    public boolean found() {
      return digest != null;
    }
  }

  private final Set<String> insecure;
  private final Clock clock;
  private final Map<String, Answer> answers = new ConcurrentHashMap<>();
  private final Map<String, Object> locks = new ConcurrentHashMap<>();
  private final AtomicLong requests = new AtomicLong();

  public TagLookup(Set<String> insecureRegistries, Clock clock) {
    this.insecure = Set.copyOf(insecureRegistries);
    this.clock = clock;
  }

  /**
   * Insecure registries from HOSTOPS_INSECURE_REGISTRIES (or -Dhostops.insecureRegistries), comma separated:
   * host:port, or a host for each of its ports. Tried over HTTPS first, then plain HTTP, as Docker does.
   */
  public static TagLookup fromEnvironment() {
    String list = System.getProperty("hostops.insecureRegistries", System.getenv(INSECURE_ENV));
    return new TagLookup(list == null ? Set.of() : Stream.of(list.split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).collect(Collectors.toSet()), Clock.systemUTC());
  }

  /** Requests sent to registries so far (each lookup that was not answered from what is kept). */
  public long requests() {
    return requests.get();
  }

  /**
   * The digest of {@code image}'s tag.
   *
   * @param dockerConfig the service's Docker config.json ({"auths": …}), or null for anonymous access
   * @param maxAge       an answer kept for this long is given again without asking
   */
  public Answer digest(String image, byte[] dockerConfig, Duration maxAge) {
    return digest(image, dockerConfig, maxAge, null);
  }

  /**
   * The same, asked by {@code elsewhere} instead of this process (a host that pulls it: lookup Host), and kept
   * the same way, apart from this process's own answers.
   */
  public Answer digest(String image, byte[] dockerConfig, Duration maxAge, Supplier<Answer> elsewhere) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(image);
    } catch (InvalidImageReferenceException e) {
      return new Answer(null, "'" + image + "' is not an image reference", clock.instant());
    }
    if (ref.getDigest().isPresent()) {
      return new Answer(ref.getDigest().get(), null, clock.instant());
    }
    Credential credential = credential(ref.getRegistry(), dockerConfig);
    String key = ref.getRegistry() + "/" + ref.getRepository() + ":" + ref.getQualifier() + "|" + fingerprint(credential)
        + (elsewhere == null ? "" : "|host");
    synchronized (locks.computeIfAbsent(key, k -> new Object())) {
      Answer kept = answers.get(key);
      if (kept != null && kept.at().plus(maxAge).isAfter(clock.instant())) {
        return kept;
      }
      Answer fresh = elsewhere == null ? ask(ref, credential) : count(elsewhere.get());
      answers.put(key, fresh);
      return fresh;
    }
  }

  private Answer count(Answer answer) {
    requests.incrementAndGet();
    return answer;
  }

  private Answer ask(ImageReference ref, Credential credential) {
    requests.incrementAndGet();
    boolean plain = insecure.contains(ref.getRegistry())
        || insecure.contains(ref.getRegistry().replaceFirst(":[0-9]+$", ""));
    FailoverHttpClient http = new FailoverHttpClient(plain, plain, log -> { });
    String where = ref.getRegistry() + "/" + ref.getRepository() + ":" + ref.getQualifier();
    try {
      RegistryClient client = RegistryClient.factory(EventHandlers.NONE, ref.getRegistry(), ref.getRepository(), http)
          .setCredential(credential).setUserAgent("hostops").newRegistryClient();
      if (!client.doPullBearerAuth() && credential != null) {
        client.configureBasicAuth();
      }
      Optional<ManifestAndDigest<ManifestTemplate>> found =
          client.checkManifest(ref.getQualifier());
      String digest = found.isPresent() ? found.get().getDigest().toString()
          : client.pullManifest(ref.getQualifier()).getDigest().toString();
      return new Answer(digest, null, clock.instant());
    } catch (RegistryUnauthorizedException e) {
      String said = e.getMessage() + (e.getCause() == null || e.getCause().getMessage() == null ? ""
          : " (" + e.getCause().getMessage().lines().findFirst().orElse("") + ")");
      return problem(where, (credential == null ? "no credentials for " + ref.getRegistry() + " in "
          + "imagePullSecrets; the registry said " : "the registry refused the credentials: ") + said, credential);
    } catch (RegistryException | IOException | RuntimeException e) {
      return problem(where, words(e), credential);
    } finally {
      try {
        http.shutDown();
      } catch (IOException e) {
        // nothing is left to release
      }
    }
  }

  private Answer problem(String where, String why, Credential credential) {
    String message = "looking up " + where + ": " + why;
    if (credential != null) {
      // never a credential, whatever a library or a registry quotes
      message = message.replace(credential.getPassword(), "***");
    }
    return new Answer(null, message, clock.instant());
  }

  /** The first line of what went wrong, down to the cause that says it. */
  private static String words(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t && (t.getMessage() == null || t instanceof RegistryException
        && t.getCause().getMessage() != null)) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return m.lines().findFirst().orElse(m);
  }

  /** The credential config.json holds for a registry, or null. */
  static Credential credential(String registry, byte[] dockerConfig) {
    if (dockerConfig == null) {
      return null;
    }
    try {
      JsonNode auths = JSON.readTree(dockerConfig).path("auths");
      for (Iterator<Map.Entry<String, JsonNode>> it = auths.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!sameRegistry(e.getKey(), registry)) {
          continue;
        }
        JsonNode entry = e.getValue();
        if (entry.hasNonNull("username") && entry.hasNonNull("password")) {
          return Credential.from(entry.get("username").asText(), entry.get("password").asText());
        }
        if (entry.hasNonNull("auth")) {
          String pair = new String(Base64.getDecoder().decode(entry.get("auth").asText()), StandardCharsets.UTF_8);
          int colon = pair.indexOf(':');
          if (colon > 0) {
            return Credential.from(pair.substring(0, colon), pair.substring(colon + 1));
          }
        }
      }
    } catch (IOException | IllegalArgumentException e) {
      // an unreadable config is the renderer's to report (it names the Secret, never the content)
    }
    return null;
  }

  /** A config.json key (a host, host:port or URL) names this registry. */
  static boolean sameRegistry(String key, String registry) {
    String host = key.replaceFirst("^[a-z]+://", "").replaceFirst("/.*$", "");
    return host.equals(registry) || DOCKER_HUB.contains(host) && DOCKER_HUB.contains(registry);
  }

  private static String fingerprint(Credential credential) {
    if (credential == null) {
      return "-";
    }
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest((credential.getUsername() + "\0"
          + credential.getPassword()).getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
