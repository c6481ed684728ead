package io.gantry.scheduler.actor;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.Problem;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.oci.Digest;
import io.gantry.scheduler.core.SchedulerEvent;
import io.gantry.scheduler.core.SchedulerHarness;
import io.gantry.scheduler.placement.ImageLayer;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** One of each scheduler event, with fixed values (the golden journal's content). */
final class SchedulerMessageSamples {

    static final Instant AT = Instant.parse("2026-01-02T03:04:05.678Z");
    static final Digest LAYER = Digest.sha256("layer".getBytes(StandardCharsets.UTF_8));

    private SchedulerMessageSamples() {
    }

    static JobSpec spec() {
        return JobSpec.builder("web", "registry.local:5000/team/web:1.4").count(2).resources(500, 256L << 20)
                .env(Map.of("MODE", "prod")).build();
    }

    static List<SchedulerEvent> events() {
        AllocationId a1 = AllocationId.of("web-1");
        AllocationId a2 = AllocationId.of("web-2");
        NodeId n1 = NodeId.of("node-1");
        return List.of(
                new SchedulerEvent.EpochStarted(1, AT),
                new SchedulerEvent.NodeRegistered(SchedulerHarness.node("node-1", 4000, 8L << 30,
                        Map.of("zone", "a")), 1, AT),
                new SchedulerEvent.JobSubmitted(spec(), 1, true, AT),
                new SchedulerEvent.PlanApplied(
                        List.of(new SchedulerEvent.NewAllocation(a1, "web", 1, 0, Optional.empty(), 0),
                                new SchedulerEvent.NewAllocation(a2, "web", 1, 1, Optional.of(a1), 1)),
                        List.of(new SchedulerEvent.PlacedAllocation(a1, n1)),
                        List.of(new SchedulerEvent.StoppedAllocation(a2, "job scaled down to 1")),
                        List.of(new SchedulerEvent.PlacementFailed("web", 1, "1 node: insufficient memory")), AT),
                new SchedulerEvent.AllocationStateChanged(n1, new AllocationStatus(a1, AllocationState.FAILED,
                        Optional.of(ExitStatus.exited(3)), 2, "crashed", Optional.of(AT), AT), AT),
                new SchedulerEvent.RescheduleScheduled(a1, 0, AT.plusSeconds(5), AT),
                new SchedulerEvent.JobScaled("web", 3, 2, AT),
                new SchedulerEvent.JobStopped("web", 3, AT),
                new SchedulerEvent.NodeDrainStarted(n1, AT),
                new SchedulerEvent.NodeLayersChanged(n1, Set.of(LAYER), Set.of(), AT),
                new SchedulerEvent.ImageLayersLearned("registry.local:5000/team/web:1.4",
                        List.of(new ImageLayer(LAYER, 1234)), AT),
                new SchedulerEvent.NodeDown(n1, "member removed", AT));
    }

    static List<Problem> problems() {
        return List.of(new Problem("$.count", "must be between 0 and 10000, got -1"));
    }
}
