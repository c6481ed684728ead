package io.gantry.scheduler.placement;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.job.Constraint;
import io.gantry.protocol.job.PlacementStrategy;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.protocol.oci.Digest;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Small builders for placement tests and the benchmark. */
final class PlacementFixtures {

    static final long MIB = 1024L * 1024;
    static final long GIB = 1024 * MIB;

    private PlacementFixtures() {
    }

    static NodeView node(String id, long cpu, long mem) {
        return new NodeView(NodeId.of(id), NodeStatus.READY, cpu, mem, 0, 0, Map.of(), Set.of());
    }

    static NodeView node(String id, long cpu, long mem, Map<String, String> labels) {
        return new NodeView(NodeId.of(id), NodeStatus.READY, cpu, mem, 0, 0, labels, Set.of());
    }

    static NodeView withStatus(NodeView v, NodeStatus status) {
        return new NodeView(v.id(), status, v.cpuCapacityMillis(), v.memoryCapacityBytes(), v.cpuUsedMillis(),
                v.memoryUsedBytes(), v.labels(), v.layers());
    }

    static NodeView withUsed(NodeView v, long cpu, long mem) {
        return new NodeView(v.id(), v.status(), v.cpuCapacityMillis(), v.memoryCapacityBytes(), cpu, mem,
                v.labels(), v.layers());
    }

    static NodeView withLayers(NodeView v, Set<Digest> layers) {
        return new NodeView(v.id(), v.status(), v.cpuCapacityMillis(), v.memoryCapacityBytes(), v.cpuUsedMillis(),
                v.memoryUsedBytes(), v.labels(), layers);
    }

    static List<NodeView> nodes(int n, long cpu, long mem) {
        List<NodeView> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            out.add(node(String.format("n%05d", i), cpu, mem));
        }
        return out;
    }

    static PlacementRequest request(String job, long cpu, long mem) {
        return new PlacementRequest(job, new Resources(cpu, mem), List.of(), false, PlacementStrategy.BINPACK,
                List.of());
    }

    static PlacementRequest request(String job, long cpu, long mem, List<Constraint> constraints) {
        return new PlacementRequest(job, new Resources(cpu, mem), constraints, false, PlacementStrategy.BINPACK,
                List.of());
    }

    static PlacementRequest spread(PlacementRequest r) {
        return new PlacementRequest(r.jobId(), r.resources(), r.constraints(), r.distinctHosts(),
                PlacementStrategy.SPREAD, r.layers());
    }

    static PlacementRequest distinct(PlacementRequest r) {
        return new PlacementRequest(r.jobId(), r.resources(), r.constraints(), true, r.strategy(), r.layers());
    }

    static PlacementRequest withImage(PlacementRequest r, List<ImageLayer> layers) {
        return new PlacementRequest(r.jobId(), r.resources(), r.constraints(), r.distinctHosts(), r.strategy(),
                layers);
    }

    static Digest digest(String seed) {
        return Digest.sha256(seed.getBytes(StandardCharsets.UTF_8));
    }

    static List<PendingAllocation> allocations(PlacementRequest r, int count) {
        List<PendingAllocation> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            out.add(new PendingAllocation(AllocationId.of(r.jobId() + "-" + i), r));
        }
        return out;
    }

    /** Allocation count per node id in a plan. */
    static Map<NodeId, Integer> perNode(Plan plan) {
        Map<NodeId, Integer> out = new LinkedHashMap<>();
        for (Placement p : plan.placements()) {
            out.merge(p.nodeId(), 1, Integer::sum);
        }
        return out;
    }

    /** Checks that the plan plus the snapshot's usage stays within every node's capacity. */
    static void assertNoOvercommit(ClusterSnapshot snapshot, List<PendingAllocation> pending, Plan plan) {
        Map<NodeId, NodeView> byId = new HashMap<>();
        Map<NodeId, long[]> used = new HashMap<>();
        for (NodeView v : snapshot.nodes()) {
            byId.put(v.id(), v);
            used.put(v.id(), new long[]{v.cpuUsedMillis(), v.memoryUsedBytes()});
        }
        Map<AllocationId, PendingAllocation> byAlloc = new HashMap<>();
        for (PendingAllocation a : pending) {
            byAlloc.put(a.id(), a);
        }
        for (Placement p : plan.placements()) {
            Resources r = byAlloc.get(p.allocationId()).request().resources();
            long[] u = used.get(p.nodeId());
            u[0] += r.cpuMillis();
            u[1] += r.memoryBytes();
            NodeView v = byId.get(p.nodeId());
            if (u[0] > v.cpuCapacityMillis() || u[1] > v.memoryCapacityBytes()) {
                throw new AssertionError("node " + p.nodeId() + " overcommitted: cpu " + u[0] + "/"
                        + v.cpuCapacityMillis() + ", memory " + u[1] + "/" + v.memoryCapacityBytes());
            }
        }
    }
}
