package io.gantry.agent.container;

/** The node cannot run containers now (no usable OCI runtime, or the agent is shutting down). */
public final class ContainerUnavailableException extends ContainerException {

    public ContainerUnavailableException(String message) {
        super(message);
    }
}
