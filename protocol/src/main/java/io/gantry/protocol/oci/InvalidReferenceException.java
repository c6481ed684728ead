package io.gantry.protocol.oci;

/** An image reference that does not follow the reference grammar; the message says which rule it breaks. */
public final class InvalidReferenceException extends IllegalArgumentException {

    private final String reference;
    private final String reason;

    public InvalidReferenceException(String reference, String reason) {
        super("invalid image reference '" + reference + "': " + reason);
        this.reference = reference;
        this.reason = reason;
    }

    /** The text as given. */
    public String reference() {
        return reference;
    }

    /** Why it was refused, without the reference itself. */
    public String reason() {
        return reason;
    }
}
