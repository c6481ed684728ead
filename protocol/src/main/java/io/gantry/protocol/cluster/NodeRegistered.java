package io.gantry.protocol.cluster;

import io.gantry.protocol.node.NodeId;

import java.util.Objects;

/** The scheduler accepted a {@link RegisterNode}; the agent now obeys commands of at least this epoch. */
public record NodeRegistered(long epoch, NodeId nodeId) implements AgentCommand {

    public NodeRegistered {
        Objects.requireNonNull(nodeId, "nodeId");
    }
}
