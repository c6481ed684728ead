package io.gantry.layercache.distribution;

import io.gantry.protocol.oci.Descriptor;

/**
 * Per-blob progress of a pull, for a CLI's progress lines. Called from download threads: an
 * implementation must be thread-safe and quick. {@code done} counts bytes in the store for the
 * blob, including a prefix resumed from an earlier attempt.
 */
public interface PullProgress {

    PullProgress NONE = (blob, done, total) -> { };

    /** Bytes of {@code blob} received so far (several calls per blob). */
    void progress(Descriptor blob, long done, long total);

    /** The blob is in the store: downloaded now ({@code alreadyPresent} false) or found there. */
    default void completed(Descriptor blob, boolean alreadyPresent) {
    }
}
