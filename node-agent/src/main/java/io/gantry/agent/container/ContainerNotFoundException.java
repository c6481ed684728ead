package io.gantry.agent.container;

/** No container has that id, id prefix or name on this node. */
public final class ContainerNotFoundException extends ContainerException {

    public ContainerNotFoundException(String reference) {
        super("no such container: " + reference);
    }
}
