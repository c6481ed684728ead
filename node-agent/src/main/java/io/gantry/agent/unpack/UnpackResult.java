package io.gantry.agent.unpack;

import io.gantry.protocol.oci.Digest;

import java.nio.file.Path;

/**
 * What {@link LayerUnpacker#unpack} did.
 *
 * @param reused true when the layer was already unpacked (before, or by a concurrent unpack that
 *               won the rename); then the counters describe this call's work, possibly none
 */
public record UnpackResult(
        Digest diffId,
        Path directory,
        boolean reused,
        Compression compression,
        long compressedBytes,
        long uncompressedBytes,
        long entries,
        long nanos) {

    /** Uncompressed bytes per second, for benchmarks and logs. */
    public double throughput() {
        return nanos == 0 ? 0 : uncompressedBytes * 1e9 / nanos;
    }
}
