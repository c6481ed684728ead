package io.gantry.agent.node;

import io.gantry.agent.container.ContainerView;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the views of allocation containers into the scheduler's {@link AllocationStatus} and
 * decides which of them are worth a report: a change of state, restart count, exit or message.
 * A container in backoff is {@code starting} with its next restart time (allowed from running:
 * an in-place restart); a container stopped by request ends {@code stopped}; a run that ended
 * with a failure (non-zero exit, OOM kill, unknown status) and no restart due ends {@code failed}.
 */
public final class AllocationReports {

    private final Map<AllocationId, AllocationStatus> lastSent = new HashMap<>();

    /** The status to send for {@code view} if it differs from the last one sent, else empty. */
    public Optional<AllocationStatus> changed(ContainerView view, Instant now) {
        Optional<AllocationStatus> status = statusOf(view, now);
        if (status.isEmpty()) {
            return Optional.empty();
        }
        AllocationStatus s = status.get();
        AllocationStatus before = lastSent.get(s.allocationId());
        if (before != null && before.state() == s.state() && before.restartCount() == s.restartCount()
                && before.exit().equals(s.exit()) && before.message().equals(s.message())
                && before.nextRestartAt().equals(s.nextRestartAt())) {
            return Optional.empty();
        }
        lastSent.put(s.allocationId(), s);
        return status;
    }

    public void forget(AllocationId id) {
        lastSent.remove(id);
    }

    /** The allocation status a view stands for; empty for a local container or one not yet pulling. */
    public static Optional<AllocationStatus> statusOf(ContainerView v, Instant now) {
        if (v.allocation().isEmpty()) {
            return Optional.empty();
        }
        AllocationState state = switch (v.phase()) {
            case PENDING -> null;
            case PULLING -> AllocationState.PULLING;
            case STARTING, BACKOFF -> AllocationState.STARTING;
            case RUNNING, STOPPING -> AllocationState.RUNNING;
            case EXITED -> v.stopRequested() ? AllocationState.STOPPED
                    : v.exit().map(e -> e.success() ? AllocationState.EXITED : AllocationState.FAILED)
                    .orElse(AllocationState.FAILED);
            case FAILED -> v.stopRequested() ? AllocationState.STOPPED : AllocationState.FAILED;
        };
        if (state == null) {
            return Optional.empty();
        }
        String message = v.message();
        if (v.crashLooping()) {
            message = "crash loop back-off: " + message;
        }
        return Optional.of(new AllocationStatus(v.allocation().get(), state, v.exit(), v.restartCount(), message,
                v.nextRestartAt(), now));
    }

    /** {@code lost}: what the agent answers for an allocation it does not have. */
    public static AllocationStatus lost(AllocationId id, Instant now) {
        return AllocationStatus.of(id, AllocationState.LOST, "not on this node", now);
    }
}
