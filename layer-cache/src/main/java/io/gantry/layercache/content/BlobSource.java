package io.gantry.layercache.content;

import java.io.IOException;

/**
 * Where a blob's bytes come from during {@link ContentStore#fetch}: a registry, a peer, a file.
 * The writer may already hold a prefix of the blob from an interrupted earlier attempt; a source
 * that can seek continues at {@link ContentWriter#offset()}, one that cannot calls
 * {@link ContentWriter#restart()} first. The source only writes; the store verifies and commits.
 */
@FunctionalInterface
public interface BlobSource {

    void writeTo(ContentWriter writer) throws IOException;
}
