package io.gantry.protocol.node;

import io.gantry.protocol.job.Resources;

/**
 * An amount of the two resources the scheduler accounts for: cpu in millicores and memory in
 * bytes. Used for a node's capacity, what its allocations reserve, and what it measures in use.
 * Never negative: accounting that would go below zero is a bug and fails loudly.
 */
public record NodeResources(long cpuMillis, long memoryBytes) {

    public static final NodeResources ZERO = new NodeResources(0, 0);

    public NodeResources {
        if (cpuMillis < 0 || memoryBytes < 0) {
            throw new IllegalArgumentException("node resources cannot be negative: cpuMillis=" + cpuMillis
                    + ", memoryBytes=" + memoryBytes);
        }
    }

    /** What one allocation of a job reserves. */
    public static NodeResources of(Resources jobResources) {
        return new NodeResources(jobResources.cpuMillis(), jobResources.memoryBytes());
    }

    public NodeResources plus(NodeResources o) {
        return new NodeResources(Math.addExact(cpuMillis, o.cpuMillis), Math.addExact(memoryBytes, o.memoryBytes));
    }

    public NodeResources minus(NodeResources o) {
        return new NodeResources(cpuMillis - o.cpuMillis, memoryBytes - o.memoryBytes);
    }

    /** True when {@code demand} fits in this amount in both dimensions. */
    public boolean covers(NodeResources demand) {
        return demand.cpuMillis <= cpuMillis && demand.memoryBytes <= memoryBytes;
    }
}
