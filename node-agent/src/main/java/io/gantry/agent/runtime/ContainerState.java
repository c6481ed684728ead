package io.gantry.agent.runtime;

/** Where a container is in the runtime's life cycle (the supervisor has its own, wider states). */
public enum ContainerState {
    /** The runtime is creating it; stop and kill wait until it runs or fails. */
    STARTING,
    RUNNING,
    /** Its init exited; the exit status is known (or known to be unknown). */
    EXITED
}
