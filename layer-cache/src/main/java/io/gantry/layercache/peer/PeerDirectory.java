package io.gantry.layercache.peer;

import io.gantry.protocol.oci.Digest;

import java.net.URI;
import java.util.List;

/**
 * "Who has digest X?": the peers (other agents) that may hold a blob, nearest or likeliest first,
 * each as the base URL of its API ({@code http://10.0.0.3:7070}), under which it serves the blobs
 * it holds read-only at {@code /v2/<any repository>/blobs/<digest>} ({@link PeerBlobRoute}).
 *
 * <p>An answer is a hint, not a promise: a listed peer may have dropped the blob, died or serve
 * garbage, and the fetch then falls back to the next peer and finally to the origin registry
 * ({@link PeerFetcher}). The static implementation lists every configured peer for every digest;
 * the scheduler's node inventory of layer digests can answer precisely later.
 */
@FunctionalInterface
public interface PeerDirectory {

    /** A directory that knows no peers: every blob comes from its origin registry. */
    PeerDirectory NONE = digest -> List.of();

    List<URI> peersFor(Digest digest);
}
