package io.gantry.protocol.serialization;

/**
 * A cluster message could not be written or read with Kryo: usually a type missing from
 * {@link KryoRegistrations}, or bytes from a node with a different registration table.
 */
public final class ClusterSerializationException extends IllegalArgumentException {

    public ClusterSerializationException(String message, Throwable cause) {
        super(message, cause);
    }
}
