package io.gantry.agent.unpack;

import java.io.IOException;

/** The layer is not a tar stream Gantry can read (bad header, truncated, unsupported member type). */
public class LayerFormatException extends IOException {
    public LayerFormatException(String message) {
        super(message);
    }

    public LayerFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
