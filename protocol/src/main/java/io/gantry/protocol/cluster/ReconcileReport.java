package io.gantry.protocol.cluster;

import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.node.NodeId;

import java.util.List;
import java.util.Objects;

/**
 * The agent's answer to a {@link ReconcileRequest}: the current status of every allocation the
 * scheduler listed (one it does not know is reported {@code lost}) and of any it was running
 * without the scheduler knowing, which it has stopped.
 *
 * @param epoch the epoch of the request this answers
 */
public record ReconcileReport(NodeId nodeId, long epoch, List<AllocationStatus> allocations) implements AgentReport {

    public ReconcileReport {
        Objects.requireNonNull(nodeId, "nodeId");
        allocations = List.copyOf(allocations);
    }
}
