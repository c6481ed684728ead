package io.gantry.agent.container;

import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageReference;

import java.util.Objects;

/**
 * An image made ready for containers on this node: named in the image store, every layer
 * unpacked and stacked as committed snapshots, with the snapshot new containers start from.
 *
 * @param reference    the name it was asked for, e.g. {@code 127.0.0.1:5000/app:1}
 * @param target       the manifest (or index) the name pointed at when it was resolved; a
 *                     container keeps running this one even if the tag moves
 * @param manifest     the platform's image manifest
 * @param config       the image config (Env, Cmd, Entrypoint, WorkingDir, User, Volumes, StopSignal)
 * @param parentSnapshot the committed snapshot a container's writable layer goes on: the image's
 *                     layers plus the init layer (see {@link InitLayer})
 */
public record ResolvedImage(ImageReference reference, Descriptor target, Descriptor manifest, ImageConfig config,
                            String parentSnapshot) {

    public ResolvedImage {
        Objects.requireNonNull(reference, "reference");
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(manifest, "manifest");
        Objects.requireNonNull(config, "config");
        Objects.requireNonNull(parentSnapshot, "parentSnapshot");
    }
}
