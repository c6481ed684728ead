package io.gantry.layercache;

/** The blob, manifest, repository or image asked for does not exist (HTTP 404, a missing blob file, an unknown tag). */
public class NotFoundException extends LayerCacheException {

    public NotFoundException(String message) {
        super(message, null);
    }

    public NotFoundException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public NotFoundException withContext(String context) {
        return new NotFoundException(join(context, getMessage()), this);
    }
}
