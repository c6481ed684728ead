package io.gantry.agent.container;

/**
 * A container operation refused, of one of the few kinds a caller answers differently
 * (containerd's errdefs): {@link ContainerNotFoundException}, {@link ContainerConflictException},
 * {@link InvalidContainerRequestException}, {@link ContainerUnavailableException}. The node API
 * maps them to 404, 409, 400 and 503.
 */
public abstract class ContainerException extends RuntimeException {

    protected ContainerException(String message) {
        super(message);
    }

    protected ContainerException(String message, Throwable cause) {
        super(message, cause);
    }
}
