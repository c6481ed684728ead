package io.gantry.protocol.node;

/**
 * The scheduler's view of a node: {@code READY} takes new allocations; {@code DRAINING} keeps
 * running what it has while the scheduler moves it away, and takes nothing new; {@code DOWN} was
 * removed from the cluster (or never re-registered) and its allocations are lost.
 */
public enum NodeStatus {
    READY, DRAINING, DOWN;

    /** Whether new allocations may be placed on a node in this status. */
    public boolean schedulable() {
        return this == READY;
    }
}
