package io.gantry.layercache;

/** The request cannot be done in the current state: an ingest is locked by another writer, plain HTTP without the flag, a malformed document, an unsupported media type. */
public class FailedPreconditionException extends LayerCacheException {

    public FailedPreconditionException(String message) {
        super(message, null);
    }

    public FailedPreconditionException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public FailedPreconditionException withContext(String context) {
        return new FailedPreconditionException(join(context, getMessage()), this);
    }
}
