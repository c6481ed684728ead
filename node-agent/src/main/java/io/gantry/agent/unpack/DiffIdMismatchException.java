package io.gantry.agent.unpack;

import io.gantry.protocol.oci.Digest;

/** The uncompressed layer does not hash to the diff id the image config promised. */
public class DiffIdMismatchException extends LayerFormatException {
    private final Digest expected;
    private final Digest actual;

    public DiffIdMismatchException(Digest expected, Digest actual, long uncompressedBytes) {
        super("layer " + expected + ": uncompressed content (" + uncompressedBytes
                + " bytes) has digest " + actual + ", not the diff id from rootfs.diff_ids");
        this.expected = expected;
        this.actual = actual;
    }

    public Digest expected() {
        return expected;
    }

    public Digest actual() {
        return actual;
    }
}
