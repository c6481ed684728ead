package io.gantry.agent.container;

import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageReference;

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
 */
public record ResolvedImage(ImageReference reference, Descriptor target, Descriptor manifest, ImageConfig config) {

    public ResolvedImage {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(config, "config");
    }
}
