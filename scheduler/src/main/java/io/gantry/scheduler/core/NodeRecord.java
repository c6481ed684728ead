package io.gantry.scheduler.core;

import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.NodeStatus;

import java.time.Instant;
import java.util.Objects;

/**
 * A node as the scheduler keeps it: what its agent registered, its status, the epoch in which it
 * last registered (a node that has not registered in the current epoch after a failover is
 * unconfirmed), and what its allocations reserve.
 */
public record NodeRecord(NodeInfo info, NodeStatus status, long registeredEpoch, NodeResources reserved,
                         Instant statusSince, String statusReason) {

    public NodeRecord {
        Objects.requireNonNull(info, "info");
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(reserved, "reserved");
        Objects.requireNonNull(statusSince, "statusSince");
        Objects.requireNonNull(statusReason, "statusReason");
    }

    public NodeId id() {
        return info.id();
    }

    NodeRecord withInfo(NodeInfo i) {
        return new NodeRecord(i, status, registeredEpoch, reserved, statusSince, statusReason);
    }

    NodeRecord withStatus(NodeStatus s, Instant at, String reason) {
        return new NodeRecord(info, s, registeredEpoch, reserved, at, reason);
    }

    NodeRecord withReserved(NodeResources r) {
        return new NodeRecord(info, status, registeredEpoch, r, statusSince, statusReason);
    }
}
