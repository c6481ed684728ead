package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.oci.Digest;
import io.gantry.scheduler.placement.ImageLayer;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * What the scheduler core is asked to do or told has happened: user requests (with a reply),
 * agent reports, cluster membership changes, and the passing of time. The shell that drives the
 * core (the singleton actor, the simulator, the test harness) turns its inputs into these and
 * passes the current time with each.
 */
public sealed interface SchedulerCommand {

    /** Create or update a job. Replies {@link SchedulerReply.JobAccepted} or a rejection listing every problem. */
    record SubmitJob(JobSpec spec) implements SchedulerCommand {
        public SubmitJob {
            Objects.requireNonNull(spec, "spec");
        }
    }

    record StopJob(String jobId) implements SchedulerCommand {
    }

    record ScaleJob(String jobId, int count) implements SchedulerCommand {
    }

    /** An agent announced its node; {@code epochSeen} is the highest epoch it had obeyed. */
    record RegisterNode(NodeInfo node, long epochSeen) implements SchedulerCommand {
        public RegisterNode {
            Objects.requireNonNull(node, "node");
        }
    }

    /** Cluster membership removed the node (or it never came back after a failover). */
    record NodeDown(NodeId node, String reason) implements SchedulerCommand {
    }

    record DrainNode(NodeId node) implements SchedulerCommand {
    }

    /** An agent reported one allocation; {@code epoch} is the highest epoch the agent had accepted. */
    record ReportAllocation(NodeId node, long epoch, AllocationStatus status) implements SchedulerCommand {
    }

    /** An agent's answer to a reconcile request: the status of every allocation it was asked about. */
    record ReportReconcile(NodeId node, long epoch, List<AllocationStatus> allocations) implements SchedulerCommand {
        public ReportReconcile {
            allocations = List.copyOf(allocations);
        }
    }

    record ReportLayers(NodeId node, Set<Digest> added, Set<Digest> removed) implements SchedulerCommand {
    }

    /** The layers an image reference resolved to (by whoever resolved its manifest). */
    record LearnImageLayers(String image, List<ImageLayer> layers) implements SchedulerCommand {
    }

    /** Time passed: due reschedules, resending unacknowledged commands, nodes that never came back. */
    record Tick() implements SchedulerCommand {
    }
}
