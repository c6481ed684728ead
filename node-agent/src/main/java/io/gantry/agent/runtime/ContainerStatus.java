package io.gantry.agent.runtime;

import java.time.Instant;
import java.util.Optional;

/**
 * A snapshot of one container as its runtime sees it: state, the host pid of its init (0 when
 * not known), when it started and, once exited, how it ended.
 */
public record ContainerStatus(String id, ContainerState state, long pid, Instant startedAt, Optional<ContainerExit> exit) {

    public static ContainerStatus running(String id, long pid, Instant startedAt) {
        return new ContainerStatus(id, ContainerState.RUNNING, pid, startedAt, Optional.empty());
    }

    public static ContainerStatus exited(String id, long pid, Instant startedAt, ContainerExit exit) {
        return new ContainerStatus(id, ContainerState.EXITED, pid, startedAt, Optional.of(exit));
    }

    public boolean running() {
        return state == ContainerState.RUNNING || state == ContainerState.STARTING;
    }
}
