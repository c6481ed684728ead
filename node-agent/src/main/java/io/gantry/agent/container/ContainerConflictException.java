package io.gantry.agent.container;

/**
 * The request does not fit the current state: a name already taken, an id prefix that matches
 * several containers, removing a running container without force.
 */
public final class ContainerConflictException extends ContainerException {

    public ContainerConflictException(String message) {
        super(message);
    }
}
