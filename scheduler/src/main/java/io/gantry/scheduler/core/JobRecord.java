package io.gantry.scheduler.core;

import io.gantry.protocol.job.JobSpec;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * A job as the scheduler keeps it.
 *
 * @param version        grows with every change (submit, scale, stop)
 * @param replaceVersion the version at which the spec last changed in a way that needs new
 *                       containers; allocations of an older version are replaced
 * @param failure        why some of its allocations are pending, while they are
 */
public record JobRecord(JobSpec spec, long version, long replaceVersion, boolean stopped, Instant submittedAt,
                        Instant modifiedAt, Optional<SchedulerEvent.PlacementFailed> failure) {

    public JobRecord {
        Objects.requireNonNull(spec, "spec");
        Objects.requireNonNull(failure, "failure");
    }

    public String id() {
        return spec.id();
    }

    JobRecord withFailure(Optional<SchedulerEvent.PlacementFailed> f) {
        return new JobRecord(spec, version, replaceVersion, stopped, submittedAt, modifiedAt, f);
    }
}
