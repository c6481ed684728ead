package io.gantry.protocol.cluster;

import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import org.apache.pekko.actor.typed.ActorRef;

import java.util.Objects;

/**
 * An agent announces its node, at start and again whenever a new scheduler incarnation appears
 * (after a singleton failover). The scheduler answers {@link NodeRegistered} to {@code agent} and
 * sends every later command there.
 *
 * @param agent     where the agent receives {@link AgentCommand}s
 * @param epochSeen the highest scheduler epoch this agent has accepted (0 if none), so a new
 *                  scheduler can see whom the agent obeyed last
 */
public record RegisterNode(NodeInfo node, ActorRef<AgentCommand> agent, long epochSeen) implements AgentReport {

    public RegisterNode {
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(agent, "agent");
    }

    @Override
    public NodeId nodeId() {
        return node.id();
    }
}
