package io.gantry.layercache.distribution;

import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageReference;

import java.util.Map;

/**
 * What a push did: the target as pushed (with the manifest digest) and, per blob, how the registry
 * got it.
 */
public record PushResult(ImageReference target, Digest manifestDigest, Map<Digest, BlobOutcome> blobs) {

    public PushResult {
        blobs = Map.copyOf(blobs);
    }

    public enum BlobOutcome {
        /** The registry had it already (HEAD answered 200). */
        EXISTED,
        /** Mounted from another repository of the same registry, no bytes sent. */
        MOUNTED,
        /** Sent in one PUT. */
        UPLOADED,
        /** Sent in PATCH chunks, then a closing PUT. */
        UPLOADED_CHUNKED
    }
}
