package io.gantry.layercache;

/** A registry (or peer) could not be reached or kept failing (connection refused or reset, 5xx, 429) after the retries. */
public class RegistryUnavailableException extends LayerCacheException {

    public RegistryUnavailableException(String message) {
        super(message, null);
    }

    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public RegistryUnavailableException withContext(String context) {
        return new RegistryUnavailableException(join(context, getMessage()), this);
    }
}
