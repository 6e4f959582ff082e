package dev.hostops.host;

import static dev.hostops.host.HostProgram.Job.APPLY;
import static dev.hostops.host.HostProgram.Job.INSPECT;
import static dev.hostops.host.HostProgram.Job.LOGAGENT;
import static dev.hostops.host.HostProgram.Job.LOGINKEY;
import static dev.hostops.host.HostProgram.Job.PROBE;
import static dev.hostops.host.HostProgram.Job.PULL;
import static dev.hostops.host.HostProgram.Job.REMOVE;

import dev.hostops.host.HostProgram.Job;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * Every kind of record a manifest can carry, with the jobs of the host program that read it: each job's
 * {@code JOB_record} function in {@code resources/host/JOB.sh} has one case arm per kind named here for it,
 * and no other (ManifestRecordsTest reads the scripts). A manifest made for a job takes only its kinds.
 */
public enum Record {
  // the apply (apply.sh), in the order HostApplier writes them
  STOP(APPLY), DISABLE(APPLY), DIR(APPLY), CANCEL(APPLY), OWNER(APPLY), FILES(APPLY), WRITE(APPLY),
  REMOVE(APPLY, Job.REMOVE, LOGINKEY), RMDIR(APPLY), PULL(APPLY, Job.PULL), ENABLE(APPLY), DAEMON_RELOAD(APPLY),
  AWAIT_PULLS(APPLY), OLDS(APPLY), UPDATE(APPLY), START(APPLY), RESTART(APPLY), RELOAD(APPLY), AUDIT(APPLY, Job.REMOVE, LOGINKEY),
  TOLERATE_ERRORS(APPLY), SETTLE(APPLY), KEEP(APPLY), KEEP_UPDATED(APPLY), RETIRE(APPLY),
  // the probe (probe.sh); an apply ends with the probe of what it changed
  FACTS(PROBE, APPLY), ALL(PROBE, APPLY), KNOWN(PROBE, APPLY), RUN(PROBE, APPLY), SERVICE(PROBE, APPLY),
  FILE(PROBE, APPLY),
  // the log agent's config (logagent.sh)
  CONFIG(LOGAGENT),
  // files as they are on the host (inspect.sh): their content, their owner and mode
  READ(INSPECT), STAT(INSPECT),
  // a step of a login key rotation (loginkey.sh): a public key added to or removed from authorized_keys
  ADD(LOGINKEY);

  private final Set<Job> jobs;

  Record(Job first, Job... more) {
    this.jobs = EnumSet.of(first, more);
  }

  /** The record's first field, as the host program's case arms spell it. */
  public String word() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** Whether the job's script reads this kind. */
  public boolean readBy(Job job) {
    return jobs.contains(job);
  }
}
