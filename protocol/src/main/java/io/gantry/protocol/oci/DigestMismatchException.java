package io.gantry.protocol.oci;

/**
 * Content whose digest is not the one it was asked for by. Content addressing is the only thing
 * that ties a tag to bytes, so this is never retried silently or ignored.
 */
public final class DigestMismatchException extends InvalidDocumentException {

    private final Digest expected;
    private final Digest actual;

    public DigestMismatchException(String kind, Digest expected, Digest actual) {
        super(kind, kind + " digest mismatch: expected " + expected + ", got " + actual, true);
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
