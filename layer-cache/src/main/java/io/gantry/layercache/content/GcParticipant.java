package io.gantry.layercache.content;

import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;

/**
 * Something besides the blob store that holds disk space gc may reclaim, such as node-agent's
 * unpacked layers ({@code layers/<diff-id>/}). {@link ContentStore#gc} counts its usage against
 * the same byte budget and interleaves its candidates with unleased blobs, least recently used
 * first.
 */
public interface GcParticipant {

    /** A short name for reports ("layers"). */
    String name();

    /** Bytes this participant holds on disk, used or not. */
    long usage() throws IOException;

    /**
     * What could be removed now: entries that no lease's digest keeps (the participant maps digests
     * to its entries, e.g. a leased diff id keeps its unpacked layer) and nothing else uses.
     */
    List<Candidate> candidates(Set<Digest> leased) throws IOException;

    /** Removes one candidate; returns the bytes freed (0 if it was already gone or became used). */
    long remove(Candidate candidate) throws IOException;

    /** One removable entry. */
    record Candidate(String id, long size, Instant lastUsed) {
    }
}
