package io.gantry.protocol.cluster;

import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.node.NodeId;

import java.util.Objects;

/**
 * An allocation on this node changed state (or its restart count or message changed while in the
 * same state).
 *
 * @param epoch the highest scheduler epoch the agent had accepted when it sent this (an echo, so
 *              the scheduler can tell reports caused by a predecessor's commands)
 */
public record AllocationStatusChanged(NodeId nodeId, long epoch, AllocationStatus status) implements AgentReport {

    public AllocationStatusChanged {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(status, "status");
    }
}
