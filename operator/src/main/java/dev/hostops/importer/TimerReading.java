package dev.hostops.importer;

import dev.hostops.api.ScheduleSpec;
import dev.hostops.unit.TimeSpan;
import dev.hostops.unit.UnitFile;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/** A unit's {@code .timer} read into spec.schedule; what hostops has no timer setting for is noted. */
final class TimerReading {
  private TimerReading() {}

  /** The schedule, or null when there is no timer or it has no {@code OnCalendar=}. */
  static ScheduleSpec schedule(String name, UnitFile timer, Consumer<String> note) {
    if (timer == null) {
      return null;
    }
    for (UnitFile.Entry e : timer.entries()) {
      if (!Set.of("Description", "Documentation", "OnCalendar", "Persistent", "RandomizedDelaySec", "AccuracySec",
          "Unit", "WantedBy").contains(e.key())) {
        note.accept(name + ".timer [" + e.section() + "] " + e.key() + "=" + e.value() + ": hostops has no timer setting for it");
      }
    }
    List<String> calendar = timer.values("Timer", "OnCalendar");
    if (calendar.isEmpty()) {
      note.accept(name + ".timer: no OnCalendar=, so no schedule imported");
      return null;
    }
    ScheduleSpec s = new ScheduleSpec();
    s.onCalendar = calendar.get(0);
    if (calendar.size() > 1) {
      note.accept(name + ".timer: OnCalendar= given " + calendar.size() + " times; hostops takes one (" + calendar.get(0) + ")");
    }
    boolean persistent = timer.last("Timer", "Persistent").map(p -> List.of("true", "yes", "1", "on").contains(p))
        .orElse(false);
    s.persistent = persistent ? null : false;
    timer.last("Timer", "RandomizedDelaySec").ifPresent(v -> {
      Integer sec = TimeSpan.seconds(v);
      if (sec == null) {
        note.accept(name + ".timer: RandomizedDelaySec=" + v + " is not whole seconds up to a day");
      } else {
        s.randomizedDelaySeconds = sec;
      }
    });
    timer.last("Timer", "AccuracySec").filter(a -> !a.equals("1s"))
        .ifPresent(a -> note.accept(name + ".timer: AccuracySec=" + a + ": hostops writes 1s"));
    timer.last("Timer", "Unit").filter(u -> !u.equals(name + ".service"))
        .ifPresent(u -> note.accept(name + ".timer: Unit=" + u + ": hostops' timer starts " + name + ".service"));
    return s;
  }
}
