package dev.hostops.render;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Map;
import java.util.WeakHashMap;

/**
 * A file hostops wants on a host.
 *
 * @param path    absolute path
 * @param mode    octal permission bits, e.g. "644"
 * @param content bytes to write
 * @param secret  content is a secret: it is never printed (render shows a placeholder)
 * @param inPlace rewrite the existing file rather than rename a new one over it, so the inode stays:
 *                a file bind-mounted into a running container that is reloaded, not restarted, must
 *                keep its inode or the container keeps seeing the old content
 */
public record HostFile(String path, String mode, byte[] content, boolean secret, boolean inPlace) {

  public HostFile(String path, String mode, byte[] content, boolean secret) {
    this(path, mode, content, secret, false);
  }

  public static HostFile text(String path, String mode, String content) {
    return new HostFile(path, mode, content.getBytes(StandardCharsets.UTF_8), false);
  }

  /** The content's SHA-256 in hex (computed once per file: the observe, plan and status steps all ask). */
  public String sha256() {
    return HASHES.computeIfAbsent(this, f -> sha256(f.content));
  }

  /** Hashes by file identity: a rendered file lives for one reconcile, so the map empties itself. */
  private static final Map<HostFile, String> HASHES =
      Collections.synchronizedMap(new WeakHashMap<>());

  public String contentAsText() {
    return new String(content, StandardCharsets.UTF_8);
  }

  static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public String toString() {
    return "HostFile[" + path + " " + mode + (secret ? " (secret)" : "") + "]";
  }
}
