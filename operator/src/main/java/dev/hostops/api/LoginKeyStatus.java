package dev.hostops.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** hostops' own login key on a host: which one is in use, since when, and where it is kept. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public class LoginKeyStatus {
  @JsonPropertyDescription("SHA256 fingerprint of the login key in use on the host.")
  public String fingerprint;

  @JsonPropertyDescription("Its public half (type and base64), removed from authorized_keys when the key is rotated.")
  public String publicKey;

  @JsonPropertyDescription("The Secret key that holds it. During a rotation this is still the old key's Secret:"
      + " keep that Secret until this field names the new one.")
  public SecretKeyRef secretRef;

  @JsonPropertyDescription("When this key became the login key (RFC 3339).")
  public String since;
}
