package io.gantry.layercache.content;

import io.gantry.protocol.oci.Digest;

import java.time.Instant;

/** A committed blob: its digest, its size in bytes and when it was last used (LRU for gc). */
public record BlobInfo(Digest digest, long size, Instant lastUsed) {
}
