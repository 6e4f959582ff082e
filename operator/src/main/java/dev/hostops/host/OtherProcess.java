package dev.hostops.host;

import java.time.Instant;

/**
 * Another hostops process that ran a job on a host between two jobs of this process (the host's lock had
 * passed to it and back): two releases or shards manage the host. {@code who} is its {@code NAME:PID}.
 */
public record OtherProcess(String who, Instant at) {}
