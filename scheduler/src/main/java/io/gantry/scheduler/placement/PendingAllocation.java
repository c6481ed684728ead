package io.gantry.scheduler.placement;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.node.NodeId;

import java.util.Objects;
import java.util.Set;

/**
 * An allocation waiting for a node. {@code avoid} lists nodes to use only when nothing else fits:
 * the node a failed allocation ran on, so that its replacement lands elsewhere when possible.
 */
public record PendingAllocation(AllocationId id, PlacementRequest request, Set<NodeId> avoid) {

    public PendingAllocation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(request, "request");
        avoid = Set.copyOf(avoid);
    }

    public PendingAllocation(AllocationId id, PlacementRequest request) {
        this(id, request, Set.of());
    }
}
