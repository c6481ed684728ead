package io.gantry.protocol.cluster;

import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.oci.Digest;

import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The agent resolved an allocation's image: the layers its manifest lists, for the scheduler's
 * layer-locality score (which weighs the bytes of an image a node already holds). The scheduler
 * only knows a job's image as the reference string the job spec gives, and no registry of its
 * own, so the agents that pull images tell it what those references are made of.
 *
 * @param image  the image exactly as the job spec names it ({@code JobSpec.image()}), not
 *               normalised: it is the key the scheduler looks the layers up by
 * @param layers the manifest's layers in order: blob digest and compressed size, the bytes a
 *               node that holds the blob does not have to fetch
 */
public record ImageLayersResolved(NodeId nodeId, String image, List<Layer> layers, Instant at) implements AgentReport {

    public ImageLayersResolved {
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(image, "image");
        if (image.isBlank()) {
            throw new IllegalArgumentException("image layers of node " + nodeId + ": the image reference is blank");
        }
        layers = List.copyOf(layers);
        Objects.requireNonNull(at, "at");
    }

    /** One layer blob of the image: its digest and compressed size, as the manifest lists it. */
    public record Layer(Digest digest, long size) {
        public Layer {
            Objects.requireNonNull(digest, "digest");
            if (size < 0) {
                throw new IllegalArgumentException("layer " + digest + ": size must not be negative, got " + size);
            }
        }
    }
}
