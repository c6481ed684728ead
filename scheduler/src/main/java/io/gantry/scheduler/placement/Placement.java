package io.gantry.scheduler.placement;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.node.NodeId;

/**
 * One decision of a plan: this allocation goes to this node. {@code score} is the chosen node's
 * normalised weighted score in [0, 1]; {@code candidatesScored} how many feasible nodes it beat.
 */
public record Placement(AllocationId allocationId, String jobId, NodeId nodeId, double score, int candidatesScored) {
}
