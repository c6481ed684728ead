package io.gantry.agent.container;

import io.gantry.agent.snapshot.ChangeSet;
import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;

/**
 * What a container needs from the node's images: the image made local (pulled if it is not),
 * and a private writable root file system on top of it. The supervisor sees only this; the
 * images side (pull with streaming unpack, snapshot chains) implements it.
 *
 * <p>Every method blocks (registry, disk, mount(2)); callers run them off actor threads. All
 * operations on one container are idempotent so that a restarted agent can repeat them.
 */
public interface RootfsProvider {

    /**
     * Makes {@code reference} ready to run: resolved in the image store, pulled when absent (or
     * when {@code manifest} is given and not present), layers unpacked and stacked.
     *
     * @param manifest the manifest digest to run (the scheduler pins one per job version); empty
     *                 to run whatever the reference names locally, pulling only when it names nothing
     */
    ResolvedImage resolve(String reference, Optional<Digest> manifest) throws IOException;

    /**
     * {@link #resolve}, answered from memory only (an image resolved before and still named
     * the same), never blocking: lets a warm start skip a trip to a blocking thread. Empty when
     * {@link #resolve} has work to do.
     */
    default Optional<ResolvedImage> resolveCached(String reference, Optional<Digest> manifest) {
        return Optional.empty();
    }

    /**
     * The container's root file system at {@code target} (an empty directory it creates if
     * needed): a writable snapshot keyed by the container id on the image and the {@link InitLayer},
     * mounted there. Calling it again for a container whose snapshot exists mounts that same
     * snapshot (after an agent restart or a restart of the container) and keeps its writes.
     */
    Path mount(String containerId, ResolvedImage image, Path target) throws IOException;

    /** Unmounts {@code target} and deletes the container's writable layer. Repeatable. */
    void remove(String containerId, Path target) throws IOException;

    /** What the container changed, against its image (the init layer's mount points hidden). */
    ChangeSet changes(String containerId) throws IOException;

    /** The ids of every container that has a writable layer here, for orphan sweeps at start. */
    Set<String> containers() throws IOException;

    /** Digests of the blobs this node holds (for the scheduler's layer locality). */
    Set<Digest> heldBlobs() throws IOException;
}
