package io.gantry.layercache;

/** Content did not hash to the digest (or size) it was expected to have; nothing was committed. */
public class DigestMismatchException extends LayerCacheException {

    public DigestMismatchException(String message) {
        super(message, null);
    }

    public DigestMismatchException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public DigestMismatchException withContext(String context) {
        return new DigestMismatchException(join(context, getMessage()), this);
    }
}
