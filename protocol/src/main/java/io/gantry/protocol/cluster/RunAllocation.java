package io.gantry.protocol.cluster;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.oci.Digest;

import java.util.Objects;
import java.util.Optional;

/**
 * Run one allocation of a job on the receiving node. Idempotent on the agent's side: a repeated
 * RunAllocation for an allocation it already has is answered with its current status.
 *
 * @param jobVersion     the version of the job this spec is, for the scheduler's bookkeeping
 * @param index          which of the job's instances this is (0-based)
 * @param manifestDigest the image manifest the scheduler resolved the job's tag to, so that every
 *                       allocation of one job version runs the same image; empty to let the agent
 *                       resolve the reference itself
 */
public record RunAllocation(long epoch, AllocationId allocationId, JobSpec job, long jobVersion, int index,
                            Optional<Digest> manifestDigest) implements AgentCommand {

    public RunAllocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(manifestDigest, "manifestDigest");
    }
}
