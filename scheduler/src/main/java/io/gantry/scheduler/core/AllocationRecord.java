package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.Allocation;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeResources;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * An allocation as the scheduler keeps it: the shared {@link Allocation} (its lifecycle as the
 * agent reports it) plus what only the scheduler knows — whether it has been asked to stop, what
 * it reserves on its node, the allocation it replaced, and when a failed one may be replaced.
 *
 * @param reserved          cpu and memory counted against its node while it holds resources
 * @param rescheduleAttempt failed allocations before it in its chain of replacements
 * @param rescheduleAt      for a failed allocation: when its replacement is due
 */
public record AllocationRecord(Allocation allocation, NodeResources reserved, boolean stopRequested,
                               String stopReason, Optional<Instant> stopRequestedAt,
                               Optional<AllocationId> previous, int rescheduleAttempt,
                               Optional<Instant> rescheduleAt, Optional<AllocationId> replacedBy) {

    public AllocationRecord {
        Objects.requireNonNull(allocation, "allocation");
        Objects.requireNonNull(reserved, "reserved");
        Objects.requireNonNull(stopReason, "stopReason");
        Objects.requireNonNull(stopRequestedAt, "stopRequestedAt");
        Objects.requireNonNull(previous, "previous");
        Objects.requireNonNull(rescheduleAt, "rescheduleAt");
        Objects.requireNonNull(replacedBy, "replacedBy");
    }

    public AllocationId id() {
        return allocation.id();
    }

    public String jobId() {
        return allocation.jobId();
    }

    public AllocationState state() {
        return allocation.state();
    }

    public Optional<NodeId> node() {
        return allocation.nodeId();
    }

    public int index() {
        return allocation.index();
    }

    /** Counts towards the job's desired count: not finished and not asked to stop. */
    public boolean live() {
        return !allocation.state().terminal() && !stopRequested;
    }

    AllocationRecord with(Allocation a) {
        return new AllocationRecord(a, reserved, stopRequested, stopReason, stopRequestedAt, previous,
                rescheduleAttempt, rescheduleAt, replacedBy);
    }

    AllocationRecord stopping(String reason, Instant at) {
        return new AllocationRecord(allocation, reserved, true, reason, Optional.of(at), previous,
                rescheduleAttempt, rescheduleAt, replacedBy);
    }

    AllocationRecord rescheduleAt(Instant at) {
        return new AllocationRecord(allocation, reserved, stopRequested, stopReason, stopRequestedAt, previous,
                rescheduleAttempt, Optional.of(at), replacedBy);
    }

    AllocationRecord replacedBy(AllocationId next) {
        return new AllocationRecord(allocation, reserved, stopRequested, stopReason, stopRequestedAt, previous,
                rescheduleAttempt, rescheduleAt, Optional.of(next));
    }
}
