package dev.hostops.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class TimeSpanTest {
  @Test
  void wholeSecondsAsSystemdReadsThem() {
    assertEquals(90, TimeSpan.seconds("90"));
    assertEquals(90, TimeSpan.seconds("90s"));
    assertEquals(300, TimeSpan.seconds("5min"));
    assertEquals(120, TimeSpan.seconds("2m"));
    assertEquals(5400, TimeSpan.seconds("1h 30min"));
    assertEquals(5400, TimeSpan.seconds(" 1h30min "));
    assertEquals(86400, TimeSpan.seconds("1d"));
  }

  @Test
  void whatIsNotWholeSecondsUpToADayIsNull() {
    assertNull(TimeSpan.seconds(""));
    assertNull(TimeSpan.seconds("100ms"));
    assertNull(TimeSpan.seconds("1d 1s"));
    assertNull(TimeSpan.seconds("infinity"));
    assertNull(TimeSpan.seconds("5 parsecs"));
  }
}
