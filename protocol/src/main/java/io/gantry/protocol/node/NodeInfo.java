package io.gantry.protocol.node;

import io.gantry.protocol.oci.Digest;

import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * What an agent tells the scheduler about its node when it registers: where it is, its labels
 * (matched by job constraints), its capacity for allocations, its container runtime, and the
 * layers it already holds (for layer-locality scoring; later changes come as LayersChanged).
 *
 * @param address base URL of the node's HTTP endpoint, e.g. {@code http://10.0.0.3:7070}; peers
 *                fetch blobs from its {@code /v2/} routes and the scheduler streams logs from it
 */
public record NodeInfo(NodeId id, String address, Map<String, String> labels, NodeResources capacity,
                       RuntimeInfo runtime, Set<Digest> layers) {

    public NodeInfo {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        labels = Map.copyOf(labels);
        Objects.requireNonNull(capacity, "capacity");
        Objects.requireNonNull(runtime, "runtime");
        layers = Set.copyOf(layers);
    }
}
