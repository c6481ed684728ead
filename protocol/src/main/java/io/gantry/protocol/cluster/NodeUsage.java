package io.gantry.protocol.cluster;

import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeResources;

import java.time.Instant;
import java.util.Objects;

/**
 * Sent periodically by each agent: what its containers actually use (measured from their
 * cgroups, as opposed to what they reserve) and how many run. It doubles as the agent's
 * heartbeat at the application level; cluster membership does the failure detection.
 */
public record NodeUsage(NodeId nodeId, NodeResources used, int runningAllocations, Instant at) implements AgentReport {

    public NodeUsage {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(used, "used");
        Objects.requireNonNull(at, "at");
    }
}
