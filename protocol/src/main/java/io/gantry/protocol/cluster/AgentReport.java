package io.gantry.protocol.cluster;

import io.gantry.protocol.node.NodeId;

/** What a node agent tells the scheduler; each report names the node it comes from. */
public sealed interface AgentReport extends ClusterMessage
        permits RegisterNode, NodeUsage, AllocationStatusChanged, LayersChanged, ReconcileReport,
        ImageLayersResolved {

    NodeId nodeId();
}
