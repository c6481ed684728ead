package io.gantry.scheduler.placement;

import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.protocol.oci.Digest;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * One node as the placer sees it at the start of a plan: whether it takes work, its capacity,
 * what the allocations already on it use, its labels and the layers it holds.
 *
 * <p>{@code cpuUsedMillis}/{@code memoryUsedBytes} count every allocation that still holds its
 * reservation on the node, including ones asked to stop that have not stopped yet: the placer
 * never counts on resources that are about to be freed, so a node is never overcommitted even
 * for a moment.
 */
public record NodeView(
        NodeId id,
        NodeStatus status,
        long cpuCapacityMillis,
        long memoryCapacityBytes,
        long cpuUsedMillis,
        long memoryUsedBytes,
        Map<String, String> labels,
        Set<Digest> layers) {

    public NodeView {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(labels, "labels");
        Objects.requireNonNull(layers, "layers");
    }

    public long freeCpuMillis() {
        return cpuCapacityMillis - cpuUsedMillis;
    }

    public long freeMemoryBytes() {
        return memoryCapacityBytes - memoryUsedBytes;
    }
}
