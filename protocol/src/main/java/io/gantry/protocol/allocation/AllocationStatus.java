package io.gantry.protocol.allocation;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An agent's account of one allocation at one moment, the unit of its reports to the scheduler.
 *
 * @param exit          how the process last ended, once it has ended at least once
 * @param restartCount  restarts so far on this node
 * @param message       a human-readable reason or detail ("pulling sha256:ab12… from peer n2",
 *                      "restart 3 in 4s (crash loop)"); empty when there is nothing to say
 * @param nextRestartAt when a restart is due, while a crash-looping container waits out its backoff
 */
public record AllocationStatus(AllocationId allocationId, AllocationState state, Optional<ExitStatus> exit,
                               int restartCount, String message, Optional<Instant> nextRestartAt, Instant at) {

    public AllocationStatus {
        Objects.requireNonNull(allocationId, "allocationId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(exit, "exit");
        if (restartCount < 0) {
            throw new IllegalArgumentException("restartCount must not be negative, got " + restartCount);
        }
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(nextRestartAt, "nextRestartAt");
        Objects.requireNonNull(at, "at");
    }

    public static AllocationStatus of(AllocationId id, AllocationState state, String message, Instant at) {
        return new AllocationStatus(id, state, Optional.empty(), 0, message, Optional.empty(), at);
    }
}
