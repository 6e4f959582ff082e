package dev.hostops.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Reading what {@code systemctl show} says about the last start's {@code docker pull}. */
class HostProbeParseTest {
  private static String pre(String argv, String status) {
    return "{ path=/usr/bin/docker ; argv[]=" + argv + " ; ignore_errors=yes ; start_time=[Wed 2026-11-25 16:00:19 UTC]"
        + " ; stop_time=[Wed 2026-11-25 16:00:19 UTC] ; pid=333 ; code=exited ; status=" + status + " }";
  }

  @Test
  void aFailedPullIsFoundAndNothingElseIs() {
    assertEquals("reg:5000/a/b:v1", HostProbe.failedPull(pre("/usr/bin/docker pull reg:5000/a/b:v1", "1")));
    assertEquals("reg:5000/a/b:v1", HostProbe.failedPull(pre("/usr/bin/docker pull reg:5000/a/b:v1", "15/TERM")));
    assertNull(HostProbe.failedPull(pre("/usr/bin/docker pull reg:5000/a/b:v1", "0")));
    assertNull(HostProbe.failedPull(pre("/usr/bin/docker pull reg:5000/a/b:v1", "0/0")));
    assertNull(HostProbe.failedPull(pre("/usr/bin/docker rm web", "1")), "a failed `-docker rm` is normal");
    assertNull(HostProbe.failedPull(pre("/usr/bin/docker run --rm --name web-prestart-0 img git pull", "1")),
        "a pre-start step that happens to say pull is not the image pull");
    assertEquals("the compose project's images", HostProbe.failedPull(
        pre("/usr/bin/docker-compose -p web -f /root/web/compose.yaml pull", "1")));
    assertEquals("the compose project's images", HostProbe.failedPull(
        pre("/usr/bin/docker compose -p web -f /root/web/compose.yaml pull", "18")));
  }

  @Test
  void theProbeCarriesIt() {
    String out = String.join("\n", "unit\tId=web.service", "unit\tLoadState=loaded", "unit\tActiveState=active",
        "unit\tExecStartPre=" + pre("/usr/bin/docker pull reg:5000/a/b:v1", "1"),
        "unit\tExecStartPre=" + pre("/usr/bin/docker stop web", "1"), "unit\t", "");
    var seen = HostProbe.parse(List.of(new HostProbe.Request("web", List.of())), out).get("web");
    assertEquals("reg:5000/a/b:v1", seen.unit().failedPull());
    assertEquals("active", seen.unit().activeState());
  }
}
