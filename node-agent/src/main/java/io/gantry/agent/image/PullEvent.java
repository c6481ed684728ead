package io.gantry.agent.image;

/**
 * One step of one layer (or the config) of a pull.
 *
 * @param layer   the blob digest ({@code sha256:…})
 * @param status  {@link Status}, lower-case on the wire
 * @param current bytes of the blob in the store so far (downloading), else the blob's size
 * @param total   the blob's size
 * @param source  where the bytes come from ("peer 10.0.0.3:7070", "origin registry.example"),
 *                or null when nothing is downloaded
 */
public record PullEvent(String layer, String status, long current, long total, String source) {

    /** The steps, in order; a layer skips what it does not need. */
    public enum Status {
        /** downloading (and unpacking as the bytes arrive) */
        DOWNLOADING,
        /** the download is complete; the unpacker is finishing and verifying */
        UNPACKING,
        /** the blob and its unpacked layer are in place */
        DONE,
        /** both were already on this node */
        EXISTS,
        /** another pull on this node is fetching the same layer; this one waits for it */
        WAITING;

        public String wire() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    public static PullEvent of(String layer, Status status, long current, long total, String source) {
        return new PullEvent(layer, status.wire(), current, total, source);
    }
}
