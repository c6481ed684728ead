package io.gantry.layercache.distribution;

import io.gantry.protocol.oci.Descriptor;

/** Per-blob progress of a push; called from upload threads, so thread-safe and quick. */
public interface PushProgress {

    PushProgress NONE = (blob, done, total) -> { };

    /** Bytes of {@code blob} sent so far. */
    void progress(Descriptor blob, long done, long total);

    /** The registry has the blob now, and how it got it. */
    default void completed(Descriptor blob, PushResult.BlobOutcome outcome) {
    }
}
