package io.gantry.agent.runtime;

import java.time.Instant;
import java.util.Objects;

/**
 * What the agent persists about a started container so that a restarted agent can hand it back
 * to {@link ContainerRuntime#recover} (Nomad's TaskHandle). It holds plain values only, so it
 * serializes as JSON in the agent's {@code state/} records: the runtime's name, the bundle, the
 * shim's pid with its kernel start time (so a recycled pid is never mistaken for the shim) and
 * the container init's host pid.
 */
public record ContainerHandle(
        String id,
        String runtime,
        String bundle,
        long shimPid,
        long shimStartTicks,
        long initPid,
        Instant startedAt) {

    public ContainerHandle {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(runtime, "runtime");
        Objects.requireNonNull(bundle, "bundle");
        Objects.requireNonNull(startedAt, "startedAt");
    }
}
