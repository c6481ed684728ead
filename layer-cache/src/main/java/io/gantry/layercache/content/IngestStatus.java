package io.gantry.layercache.content;

import io.gantry.protocol.oci.Digest;

import java.time.Instant;
import java.util.Optional;

/**
 * A partial write in {@code ingest/}: the reference it is kept under, the digest it is expected to
 * commit as (absent for an ingest whose digest is only known at the end, which cannot be
 * resumed), how many bytes it holds and when it was last written.
 */
public record IngestStatus(String ref, Optional<Digest> expected, long offset, Instant updatedAt) {
}
