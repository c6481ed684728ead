package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.AllocationId;
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
 */
public record StateSnapshot(int format, long epoch, Instant epochStartedAt, long eventsApplied,
                            long allocationsCreated, long plansApplied, List<JobRecord> jobs,
                            List<AllocationRecord> allocations, List<NodeRecord> nodes,
                            Map<String, List<AllocationId>> activeByNode, Map<String, List<ImageLayer>> imageLayers,
                            List<String> blockedJobs, List<Due> dueReschedules, List<AllocationId> awaitingAgent) {

    public static final int FORMAT = 1;

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
    }
}
