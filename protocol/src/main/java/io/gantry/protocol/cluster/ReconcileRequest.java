package io.gantry.protocol.cluster;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.node.NodeId;

import java.util.Objects;
import java.util.Set;

/**
 * The scheduler's belief about a node: the allocations it thinks are there and not finished.
 * Sent after (re-)registration and after a failover. The agent stops anything it runs that is not
 * listed (an orphan of a command the scheduler never recorded) and answers with a
 * {@link ReconcileReport}.
 */
public record ReconcileRequest(long epoch, NodeId nodeId, Set<AllocationId> allocations) implements AgentCommand {

    public ReconcileRequest {
        Objects.requireNonNull(nodeId, "nodeId");
        allocations = Set.copyOf(allocations);
    }
}
