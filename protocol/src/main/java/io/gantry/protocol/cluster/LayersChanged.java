package io.gantry.protocol.cluster;

import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.oci.Digest;

import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * The node's layer store gained or dropped blobs (a pull committed, GC freed space); keeps the
 * scheduler's layer-locality view current without resending the whole set.
 */
public record LayersChanged(NodeId nodeId, Set<Digest> added, Set<Digest> removed, Instant at) implements AgentReport {

    public LayersChanged {
        Objects.requireNonNull(nodeId, "nodeId");
        added = Set.copyOf(added);
        removed = Set.copyOf(removed);
        Objects.requireNonNull(at, "at");
    }
}
