package io.gantry.protocol.allocation;

import io.gantry.protocol.node.NodeId;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The scheduler's record of one container instance of a job: which job version it runs, where,
 * and how it is doing. Immutable; every change goes through {@link #transition}, which enforces
 * the lifecycle of {@link AllocationState} and keeps the timestamps consistent.
 *
 * @param index        which of the job's {@code count} instances this is (0-based); a replacement
 *                     keeps the index of the allocation it replaces
 * @param nodeId       empty while pending
 * @param startedAt    when it first reached running
 * @param finishedAt   when it reached a terminal state
 */
public record Allocation(AllocationId id, String jobId, long jobVersion, int index, Optional<NodeId> nodeId,
                         AllocationState state, Instant createdAt, Instant modifiedAt,
                         Optional<Instant> startedAt, Optional<Instant> finishedAt,
                         Optional<ExitStatus> exit, int restartCount, String message) {

    public Allocation {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(jobId, "jobId");
        Objects.requireNonNull(nodeId, "nodeId");
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(createdAt, "createdAt");
        Objects.requireNonNull(modifiedAt, "modifiedAt");
        Objects.requireNonNull(startedAt, "startedAt");
        Objects.requireNonNull(finishedAt, "finishedAt");
        Objects.requireNonNull(exit, "exit");
        Objects.requireNonNull(message, "message");
        if (state.holdsResources() && nodeId.isEmpty()) {
            throw new IllegalArgumentException("allocation " + id + " is " + state.text() + " but has no node");
        }
    }

    /** A new allocation waiting for a node. */
    public static Allocation pending(AllocationId id, String jobId, long jobVersion, int index, Instant at) {
        return new Allocation(id, jobId, jobVersion, index, Optional.empty(), AllocationState.PENDING, at, at,
                Optional.empty(), Optional.empty(), Optional.empty(), 0, "");
    }

    /** Pending → placed on {@code node}. */
    public Allocation placedOn(NodeId node, Instant at) {
        check(AllocationState.PLACED);
        return new Allocation(id, jobId, jobVersion, index, Optional.of(node), AllocationState.PLACED, createdAt, at,
                startedAt, finishedAt, exit, restartCount, "");
    }

    /** Moves to {@code next} with a message, or throws {@link IllegalTransitionException}. */
    public Allocation transition(AllocationState next, Instant at, String message) {
        check(next);
        if (next == AllocationState.PLACED && nodeId.isEmpty()) {
            throw new IllegalArgumentException("allocation " + id + ": use placedOn(node, at) to place it");
        }
        return new Allocation(id, jobId, jobVersion, index, nodeId, next, createdAt, at,
                next == AllocationState.RUNNING && startedAt.isEmpty() ? Optional.of(at) : startedAt,
                next.terminal() ? Optional.of(at) : finishedAt, exit, restartCount, message);
    }

    /** Applies an agent's report about this allocation. */
    public Allocation apply(AllocationStatus status) {
        if (!status.allocationId().equals(id)) {
            throw new IllegalArgumentException("status of " + status.allocationId() + " applied to allocation " + id);
        }
        Allocation moved = transition(status.state(), status.at(), status.message());
        return new Allocation(id, jobId, jobVersion, index, nodeId, moved.state, createdAt, moved.modifiedAt,
                moved.startedAt, moved.finishedAt, status.exit().or(() -> exit), status.restartCount(), status.message());
    }

    private void check(AllocationState next) {
        if (!state.canTransitionTo(next)) {
            throw new IllegalTransitionException(id, state, next);
        }
    }
}
