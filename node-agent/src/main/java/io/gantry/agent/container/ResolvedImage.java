package io.gantry.agent.container;

import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageReference;

import java.util.List;
import java.util.Objects;

/**
 * An image made ready for containers on this node: named in the image store, its layers
 * unpacked and stacked as committed snapshots.
 *
 * @param reference    its name in the node's image store, e.g. {@code 127.0.0.1:5000/app:1}
 * @param target       the manifest (or index) the name pointed at when it was resolved; a
 *                     container keeps running this one even if the tag moves
 * @param manifest     the platform's image manifest
 * @param config       the image config (Env, Cmd, Entrypoint, WorkingDir, User, Volumes, StopSignal)
 * @param layers       the manifest's layers, bottom first: blob digest and compressed size (what the
 *                     agent tells the scheduler the image is made of, for layer locality)
 */
public record ResolvedImage(ImageReference reference, Descriptor target, Descriptor manifest, ImageConfig config,
                            List<Descriptor> layers) {

    public ResolvedImage {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(config, "config");
        layers = List.copyOf(layers);
    }
}
