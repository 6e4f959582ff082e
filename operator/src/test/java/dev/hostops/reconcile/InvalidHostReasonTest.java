package dev.hostops.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.hostops.api.Host;
import dev.hostops.reconcile.HostTargets.InvalidHostException.Reason;
import dev.hostops.reconcile.HostTargets.InvalidHostException;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** A Host that cannot be used says why as a reason (import's hint reads it), whatever its message says. */
class InvalidHostReasonTest {
  private static Host host() {
    return HostValidationTest.host("10.0.0.5", 22, "root", "10.0.0.5 ssh-ed25519 " + HostValidationTest.ED25519);
  }

  private static Reason reason(Host host, Function<String, Secret> secrets) {
    return assertThrows(InvalidHostException.class, () -> HostTargets.resolve(host, secrets)).reason();
  }

  @Test
  void eachWayAHostCannotBeUsedHasItsReason() {
    assertEquals(Reason.SECRET_NOT_FOUND, reason(host(), name -> null));
    Secret empty = new SecretBuilder().withNewMetadata().withName("vm-ssh").endMetadata().build();
    assertEquals(Reason.SECRET_UNUSABLE, reason(host(), name -> empty));
    Secret notAKey = new SecretBuilder().withNewMetadata().withName("vm-ssh").endMetadata()
        .addToStringData("ssh-privatekey", "not found").build();
    assertEquals(Reason.SECRET_UNUSABLE, reason(host(), name -> notAKey), "a key whose text says 'not found'");
    Host noAddress = host();
    noAddress.getSpec().address = null;
    assertEquals(Reason.INVALID_SPEC, reason(noAddress, name -> null));
  }
}
