package io.gantry.layercache;

/** A registry refused the request for lack of (valid) credentials: HTTP 401 after authentication was tried, or 403. */
public class UnauthorizedException extends LayerCacheException {

    public UnauthorizedException(String message) {
        super(message, null);
    }

    public UnauthorizedException(String message, Throwable cause) {
        super(message, cause);
    }

    @Override
    public UnauthorizedException withContext(String context) {
        return new UnauthorizedException(join(context, getMessage()), this);
    }
}
