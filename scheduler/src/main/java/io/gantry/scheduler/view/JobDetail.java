package io.gantry.scheduler.view;

import io.gantry.protocol.job.JobSpec;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * {@code GET /v1/jobs/{id}}: the job's spec and version, its status, every allocation kept
 * (live ones and recent history) with node and state, and why allocations are pending.
 */
public record JobDetail(String id, String name, String image, long version, String status, int count, int running,
                        int pending, boolean stopped, Instant submittedAt, Instant modifiedAt, JobSpec spec,
                        List<AllocationView> allocations, Optional<PlacementFailureView> placementFailure) {

    public JobDetail {
        allocations = List.copyOf(allocations);
    }
}
