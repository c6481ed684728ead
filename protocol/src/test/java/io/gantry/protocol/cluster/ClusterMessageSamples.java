package io.gantry.protocol.cluster;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.job.JobSpecSamples;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.RuntimeInfo;
import io.gantry.protocol.oci.Digest;
import org.apache.pekko.actor.typed.ActorRef;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;

/**
 * One filled-in instance of every cluster message (and a second set with empty and minimal
 * values), for serialisation tests here and in the modules that send them. The collections vary
 * in size on purpose, so that each shape of the JDK's immutable collections is exercised.
 */
public final class ClusterMessageSamples {

    public static final NodeId NODE = NodeId.of("node-1");
    public static final Instant AT = Instant.parse("2026-01-01T12:00:00.123456789Z");

    private ClusterMessageSamples() {
    }

    public static Digest digest(String content) {
        return Digest.sha256(content.getBytes(StandardCharsets.UTF_8));
    }

    public static NodeInfo nodeInfo() {
        return new NodeInfo(NODE, "http://127.0.0.1:7070", Map.of("zone", "a", "disk", "ssd"),
                new NodeResources(4000, 8L << 30), new RuntimeInfo("runc", "1.1.5",
                Set.of("memory-limit", "pids-limit", "network-none")),
                Set.of(digest("layer-1"), digest("layer-2"), digest("layer-3")));
    }

    /** One instance of every concrete ClusterMessage, every optional part present. */
    public static List<ClusterMessage> all(ActorRef<AgentCommand> agent) {
        Random random = new Random(7);
        AllocationId a1 = AllocationId.random(random);
        AllocationId a2 = AllocationId.random(random);
        AllocationStatus crashLooping = new AllocationStatus(a1, AllocationState.STARTING,
                Optional.of(ExitStatus.exited(3)), 2, "restart 2 in 2s (crash loop)", Optional.of(AT.plusSeconds(2)), AT);
        return List.of(
                new RegisterNode(nodeInfo(), agent, 3),
                new NodeUsage(NODE, new NodeResources(1250, 512L << 20), 2, AT),
                new AllocationStatusChanged(NODE, 4, crashLooping),
                new LayersChanged(NODE, Set.of(digest("layer-4")), Set.of(digest("layer-1"), digest("layer-2")), AT),
                new ReconcileReport(NODE, 4, List.of(crashLooping,
                        new AllocationStatus(a2, AllocationState.FAILED, Optional.of(ExitStatus.outOfMemory()), 0,
                                "OOM killed", Optional.empty(), AT),
                        AllocationStatus.of(AllocationId.of("gone"), AllocationState.LOST, "unknown to this node", AT))),
                new ImageLayersResolved(NODE, "registry.local:5000/team/web:1.4", List.of(
                        new ImageLayersResolved.Layer(digest("layer-1"), 2_811_478),
                        new ImageLayersResolved.Layer(digest("layer-2"), 1_024),
                        new ImageLayersResolved.Layer(digest("layer-3"), 0)), AT),
                new NodeRegistered(4, NODE),
                new RunAllocation(4, a1, JobSpecSamples.full(), 7, 2, Optional.of(digest("manifest"))),
                new StopAllocation(4, a2, "job stopped"),
                new ReconcileRequest(4, NODE, Set.of(a1, a2)));
    }

    /** Empty collections, absent optionals, minimal specs. */
    public static List<ClusterMessage> edgeCases(ActorRef<AgentCommand> agent) {
        NodeInfo bare = new NodeInfo(NodeId.of("n"), "", Map.of(), NodeResources.ZERO,
                new RuntimeInfo("fake", "", Set.of()), Set.of());
        List<ClusterMessage> out = new ArrayList<>(List.of(
                new RegisterNode(bare, agent, 0),
                new NodeUsage(NODE, NodeResources.ZERO, 0, Instant.EPOCH),
                new LayersChanged(NODE, Set.of(), Set.of(), AT),
                new ReconcileReport(NODE, 0, List.of()),
                new ImageLayersResolved(NODE, "scratch-like", List.of(), AT),
                new ImageLayersResolved(NODE, "busybox", List.of(new ImageLayersResolved.Layer(digest("one"), 1)), AT),
                new RunAllocation(Long.MAX_VALUE, AllocationId.of("a"), JobSpecSamples.minimal(), 0, 0, Optional.empty()),
                new StopAllocation(1, AllocationId.of("a"), ""),
                new ReconcileRequest(1, NODE, Set.of())));
        out.add(new AllocationStatusChanged(NODE, 0, AllocationStatus.of(AllocationId.of("a"), AllocationState.PULLING, "", AT)));
        return out;
    }
}
