package io.gantry.scheduler.view;

import java.util.List;

/** {@code GET /v1/nodes/{id}}: the node and the allocations it holds. */
public record NodeDetail(NodeSummary node, List<AllocationView> allocations) {

    public NodeDetail {
        allocations = List.copyOf(allocations);
    }
}
