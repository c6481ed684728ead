package io.gantry.scheduler.core;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.oci.Digest;
import io.gantry.scheduler.placement.ImageLayer;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * What happened to the scheduler's state, as persisted in its journal. {@link SchedulerState#apply}
 * is the only way the state changes, so replaying the journal rebuilds it exactly (recovery after
 * a failover, and the simulator's replays). Each event records the decision that was made, not
 * the inputs to make it again (a reschedule's due time, a plan's placements), so that replay never
 * depends on configuration or code that may have changed since.
 *
 * <p>Events are records of plain values and are written as JSON ({@code "type"} names the event)
 * with {@link io.gantry.protocol.serialization.GantryJson}; fields are only ever added, with
 * defaults, so that old journals stay readable.
 */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "type")
@JsonSubTypes({
        @JsonSubTypes.Type(value = SchedulerEvent.EpochStarted.class, name = "epoch-started"),
        @JsonSubTypes.Type(value = SchedulerEvent.JobSubmitted.class, name = "job-submitted"),
        @JsonSubTypes.Type(value = SchedulerEvent.JobStopped.class, name = "job-stopped"),
        @JsonSubTypes.Type(value = SchedulerEvent.JobScaled.class, name = "job-scaled"),
        @JsonSubTypes.Type(value = SchedulerEvent.PlanApplied.class, name = "plan-applied"),
        @JsonSubTypes.Type(value = SchedulerEvent.AllocationStateChanged.class, name = "allocation-state-changed"),
        @JsonSubTypes.Type(value = SchedulerEvent.RescheduleScheduled.class, name = "reschedule-scheduled"),
        @JsonSubTypes.Type(value = SchedulerEvent.NodeRegistered.class, name = "node-registered"),
        @JsonSubTypes.Type(value = SchedulerEvent.NodeDown.class, name = "node-down"),
        @JsonSubTypes.Type(value = SchedulerEvent.NodeDrainStarted.class, name = "node-drain-started"),
        @JsonSubTypes.Type(value = SchedulerEvent.NodeLayersChanged.class, name = "node-layers-changed"),
        @JsonSubTypes.Type(value = SchedulerEvent.ImageLayersLearned.class, name = "image-layers-learned"),
})
public sealed interface SchedulerEvent {

    Instant at();

    /** A scheduler incarnation started; every command it sends carries this epoch. */
    record EpochStarted(long epoch, Instant at) implements SchedulerEvent {
    }

    /**
     * A job was created or changed. {@code version} grows by one per change; {@code replaceAllocations}
     * is true when the change needs new containers (anything but the count), false for a change of
     * count alone.
     */
    record JobSubmitted(JobSpec spec, long version, boolean replaceAllocations, Instant at) implements SchedulerEvent {
        public JobSubmitted {
            Objects.requireNonNull(spec, "spec");
        }
    }

    /** The job is to run nothing; its allocations are stopped. The job stays, as stopped. */
    record JobStopped(String jobId, long version, Instant at) implements SchedulerEvent {
    }

    record JobScaled(String jobId, int count, long version, Instant at) implements SchedulerEvent {
    }

    /**
     * One reconciliation's decisions, applied together: allocations created (pending), placed on
     * nodes, asked to stop, and the jobs whose pending allocations found no node, with why.
     */
    record PlanApplied(List<NewAllocation> created, List<PlacedAllocation> placed,
                       List<StoppedAllocation> stopped, List<PlacementFailed> failed, Instant at)
            implements SchedulerEvent {
        public PlanApplied {
            created = List.copyOf(created);
            placed = List.copyOf(placed);
            stopped = List.copyOf(stopped);
            failed = List.copyOf(failed);
        }
    }

    /**
     * @param previous          the allocation this one replaces (failed, lost, drained, outdated)
     * @param rescheduleAttempt how many failed allocations precede it in its chain of replacements
     */
    record NewAllocation(AllocationId id, String jobId, long jobVersion, int index,
                         Optional<AllocationId> previous, int rescheduleAttempt) {
        public NewAllocation {
            Objects.requireNonNull(id, "id");
            Objects.requireNonNull(previous, "previous");
        }
    }

    record PlacedAllocation(AllocationId id, NodeId node) {
    }

    record StoppedAllocation(AllocationId id, String reason) {
    }

    /** {@code unplaced} allocations of the job found no node; {@code reasons} is the placer's summary. */
    record PlacementFailed(String jobId, int unplaced, String reasons) {
    }

    /** An agent reported an allocation's state (or the scheduler concluded it, e.g. lost). */
    record AllocationStateChanged(NodeId node, AllocationStatus status, Instant at) implements SchedulerEvent {
    }

    /** A failed allocation is to be replaced, not before {@code notBefore}. */
    record RescheduleScheduled(AllocationId allocation, int attempt, Instant notBefore, Instant at)
            implements SchedulerEvent {
    }

    /** A node (re-)registered in the current epoch; it takes allocations unless draining. */
    record NodeRegistered(NodeInfo node, long epoch, Instant at) implements SchedulerEvent {
    }

    /** The node left the cluster: its unfinished allocations are lost. */
    record NodeDown(NodeId node, String reason, Instant at) implements SchedulerEvent {
    }

    /** The node takes nothing new; its allocations move elsewhere. */
    record NodeDrainStarted(NodeId node, Instant at) implements SchedulerEvent {
    }

    record NodeLayersChanged(NodeId node, Set<Digest> added, Set<Digest> removed, Instant at)
            implements SchedulerEvent {
        public NodeLayersChanged {
            added = Set.copyOf(added);
            removed = Set.copyOf(removed);
        }
    }

    /** The layers of an image reference, for locality scoring (from a resolved manifest). */
    record ImageLayersLearned(String image, List<ImageLayer> layers, Instant at) implements SchedulerEvent {
        public ImageLayersLearned {
            layers = List.copyOf(layers);
        }
    }
}
