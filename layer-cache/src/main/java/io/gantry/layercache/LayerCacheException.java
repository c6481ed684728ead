package io.gantry.layercache;

import java.io.IOException;

/**
 * The root of layer-cache's typed errors, in the spirit of containerd's {@code errdefs}: a caller
 * branches on the type (not found, unauthorized, digest mismatch, unavailable) and shows the
 * message, which carries the context of every layer it passed through
 * ("pull layer sha256:… of localhost:5000/app:1: digest mismatch for …").
 *
 * <p>These are {@link IOException}s because every one of them is the outcome of reading or
 * writing content; code that only cares about "did the I/O work" keeps catching IOException.
 */
public abstract class LayerCacheException extends IOException {

    protected LayerCacheException(String message, Throwable cause) {
        super(message, cause);
    }

    /**
     * The same kind of error with {@code context} prefixed to the message and this one as the
     * cause, so that the type survives the wrapping and the message reads outermost first.
     */
    public abstract LayerCacheException withContext(String context);

    protected static String join(String context, String message) {
        return context + ": " + message;
    }
}
