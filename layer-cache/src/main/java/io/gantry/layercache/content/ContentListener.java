package io.gantry.layercache.content;

import io.gantry.protocol.oci.Digest;

/**
 * Told when the set of committed blobs changes: a blob became visible (a pull, a peer fetch, an
 * import, a build committed it) or was deleted (gc, an explicit delete). It lets a node keep
 * others informed of what it holds (the scheduler's layer locality) without listing the store.
 *
 * <p>Called on the thread that made the change, after it is visible on disk, and only for real
 * changes: committing a blob that was already there or deleting one that was not is no event.
 * An implementation must be thread-safe and quick (hand the event to an actor, no I/O); an
 * exception it throws is logged and does not undo the change.
 */
public interface ContentListener {

    void committed(Digest digest, long size);

    void deleted(Digest digest);
}
