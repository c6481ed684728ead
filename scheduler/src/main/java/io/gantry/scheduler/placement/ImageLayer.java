package io.gantry.scheduler.placement;

import io.gantry.protocol.oci.Digest;

import java.util.Objects;

/** One layer of a job's image as locality scoring needs it: which blob, and how many bytes it saves. */
public record ImageLayer(Digest digest, long size) {

    public ImageLayer {
        Objects.requireNonNull(digest, "digest");
        if (size < 0) {
            throw new IllegalArgumentException("layer " + digest + ": size must not be negative, got " + size);
        }
    }
}
