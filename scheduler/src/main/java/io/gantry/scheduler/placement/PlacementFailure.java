package io.gantry.scheduler.placement;

import io.gantry.protocol.allocation.AllocationId;

/** An allocation no node could take in this plan, and why ("why is my job pending?"). */
public record PlacementFailure(AllocationId allocationId, String jobId, FailureSummary why) {
}
