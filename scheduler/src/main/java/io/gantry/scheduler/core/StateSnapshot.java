package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.node.NodeId;
import io.gantry.scheduler.placement.ImageLayer;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The whole {@link SchedulerState} as plain, immutable values, for the singleton's snapshots
 * (written as JSON with {@link io.gantry.protocol.serialization.GantryJson}). It keeps the state's
 * indexes and their iteration orders too, so that a state restored from a snapshot takes exactly
 * the decisions the original would have taken: the same {@code toSnapshot()} again, not merely the
 * same {@link SchedulerState#fingerprint()}.
 *
 * <p>Unlike the events, a snapshot is a cache: the journal is kept, so a snapshot that a later
 * version cannot read is skipped by replaying the events instead ({@code format} says which
 * layout this is).
 *
 * @param allocations       every allocation kept, grouped by job (jobs by id), in creation order
 * @param activeByNode      per node, the allocations holding resources there, in the order they
 *                          started to
 * @param dueReschedules    failed allocations waiting for their replacement, sorted by id
 * @param awaitingAgent     allocations waiting for an agent's answer, oldest first
 * @param lastSent          when a command awaiting an answer was last (re-)sent, sorted by
 *                          allocation (format 2; the resend timer's soft state, absent in format 1)
 * @param reconcileAwaited  nodes asked for a ReconcileReport that has not come, with when the
 *                          request was last sent, sorted by node (format 2)
 */
public record StateSnapshot(int format, long epoch, Instant epochStartedAt, long eventsApplied,
                            long allocationsCreated, long plansApplied, List<JobRecord> jobs,
                            List<AllocationRecord> allocations, List<NodeRecord> nodes,
                            Map<String, List<AllocationId>> activeByNode, Map<String, List<ImageLayer>> imageLayers,
                            List<String> blockedJobs, List<Due> dueReschedules, List<AllocationId> awaitingAgent,
                            List<Sent> lastSent, List<Reconcile> reconcileAwaited) {

    /**
     * 2: allocations still pulling or starting are awaiting an agent too, and the resend timer's
     * state is kept. Format 1 is still read (see {@link SchedulerState#restore}).
     */
    public static final int FORMAT = 2;

    /** A command about the allocation was last sent to its node at {@code at}. */
    public record Sent(AllocationId allocation, Instant at) {
    }

    /** A ReconcileRequest to the node, unanswered, last sent at {@code at}. */
    public record Reconcile(NodeId node, Instant at) {
    }

    /** A failed allocation whose replacement is due at {@code at}. */
    public record Due(AllocationId allocation, Instant at) {
    }

    public StateSnapshot {
        Objects.requireNonNull(epochStartedAt, "epochStartedAt");
        jobs = List.copyOf(jobs);
        allocations = List.copyOf(allocations);
        nodes = List.copyOf(nodes);
        activeByNode = Map.copyOf(activeByNode);
        imageLayers = Map.copyOf(imageLayers);
        blockedJobs = List.copyOf(blockedJobs);
        dueReschedules = List.copyOf(dueReschedules);
        awaitingAgent = List.copyOf(awaitingAgent);
        lastSent = lastSent == null ? List.of() : List.copyOf(lastSent); // absent in format 1
        reconcileAwaited = reconcileAwaited == null ? List.of() : List.copyOf(reconcileAwaited);
    }
}
