package io.gantry.agent.bundle;

/**
 * The bundle for a container can't be written: the image and job ask for something impossible
 * (a user the image doesn't have, a relative working directory, a bad stop signal) or a file
 * operation failed. The message names the container and what is wrong.
 */
public class BundleException extends RuntimeException {

    public BundleException(String message) {
        super(message);
    }

    public BundleException(String message, Throwable cause) {
        super(message, cause);
    }
}
