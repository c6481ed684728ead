package io.gantry.protocol.cluster;

import io.gantry.protocol.allocation.AllocationId;

import java.util.Objects;

/**
 * Stop one allocation (stop signal, the job's stop timeout, then SIGKILL) and do not restart it;
 * it ends {@code stopped}. Idempotent.
 *
 * @param reason why, for the allocation's message ("job stopped", "scaled down", "node drained")
 */
public record StopAllocation(long epoch, AllocationId allocationId, String reason) implements AgentCommand {

    public StopAllocation {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(reason, "reason");
    }
}
