package io.gantry.protocol.oci;

/**
 * An OCI or Docker JSON document (manifest, index, image config) that Gantry cannot accept: not
 * JSON, the wrong kind, a required field missing or malformed. The message names the document
 * kind and, where known, the JSON path of the bad field.
 */
public class InvalidDocumentException extends IllegalArgumentException {

    private final String kind;

    public InvalidDocumentException(String kind, String problem) {
        this(kind, problem, null);
    }

    public InvalidDocumentException(String kind, String problem, Throwable cause) {
        super("invalid " + kind + ": " + problem, cause);
        this.kind = kind;
    }

    /** Constructor for subclasses that word their own message. */
    protected InvalidDocumentException(String kind, String message, boolean ownMessage) {
        super(message);
        this.kind = kind;
    }

    /** What was being read: "manifest", "image config"... */
    public String kind() {
        return kind;
    }
}
