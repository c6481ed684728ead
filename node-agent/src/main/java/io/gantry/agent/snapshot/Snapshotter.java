package io.gantry.agent.snapshot;

import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.util.List;

/**
 * Snapshots of container file systems, in the shape of containerd's snapshotter
 * ({@code core/snapshots/snapshotter.go}).
 *
 * <p>A <b>committed</b> snapshot is a read-only stack of directories. Image layers enter as
 * committed snapshots through {@link #importLayer}: the layer was unpacked once into
 * {@code layers/<diff-id>/} by the LayerUnpacker, and the snapshot only references it, stacked
 * on its parent (name them by chain id, as containerd does). {@link #prepare} makes an
 * <b>active</b> snapshot on top of a committed one: the private, writable top layer of one
 * container. {@link #view} makes a read-only one. {@link #commit} turns an active snapshot (no
 * longer mounted) into a committed one that can be a parent in turn.
 *
 * <p>A snapshotter never mounts anything: {@code prepare}, {@code view} and {@code mounts} return
 * {@link Mount}s that the caller applies with a {@link Mounter} at a target of its choice, and
 * unmounts before {@link #remove}. ({@code remove} detaches what is still mounted from an active
 * snapshot's directory rather than delete a directory under a live mount.)
 *
 * <p>Keys and names share one namespace. Committed snapshots are durable when the call returns;
 * active and view snapshots (a container's, which a machine crash ends anyway) and
 * {@link #importLayer(String, String, Digest, boolean) re-creatable} committed ones survive the
 * snapshotter's own process dying, not necessarily the machine.
 */
public interface Snapshotter {

    /**
     * A committed snapshot holding the unpacked layer {@code diffId} on top of {@code parent}
     * (null for a base layer). Idempotent for the same parent and layer.
     */
    default void importLayer(String name, String parent, Digest diffId) throws IOException {
        importLayer(name, parent, diffId, true);
    }

    /**
     * {@link #importLayer(String, String, Digest)}; with {@code durable} false the record is not
     * flushed to disk, for a snapshot its caller makes again when it is missing (Gantry's init
     * layer under a container): one disk round trip less per container start. After a machine
     * crash it may be gone.
     */
    void importLayer(String name, String parent, Digest diffId, boolean durable) throws IOException;

    /** A new writable snapshot on {@code parent} (a committed snapshot or null); its mounts. */
    List<Mount> prepare(String key, String parent) throws IOException;

    /** A new read-only snapshot of {@code parent}; its mounts. */
    List<Mount> view(String key, String parent) throws IOException;

    /** The mounts of an active or view snapshot. */
    List<Mount> mounts(String key) throws IOException;

    /** Turns the (unmounted) active snapshot {@code key} into the committed snapshot {@code name}. */
    void commit(String name, String key) throws IOException;

    /**
     * Deletes a snapshot and what it holds on disk. A snapshot that is a parent is refused;
     * removing a snapshot that does not exist is not an error (cleanup must be repeatable).
     *
     * @return whether there was something to remove
     */
    boolean remove(String key) throws IOException;

    SnapshotInfo stat(String key) throws IOException;

    /** What the snapshot itself holds: the writable layer of an active one, the layer of a committed one. */
    Usage usage(String key) throws IOException;

    List<SnapshotInfo> list() throws IOException;

    /**
     * The changes in an active snapshot's writable layer against its parent, like
     * {@code docker diff}; {@link LayerCommitter} turns them into an OCI layer.
     */
    ChangeSet changes(String key) throws IOException;

    /** "overlay" or "copy". */
    String kind();
}
