package io.gantry.scheduler.placement;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.job.Constraint;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeStatus;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.gantry.scheduler.placement.PlacementFixtures.GIB;
import static io.gantry.scheduler.placement.PlacementFixtures.MIB;
import static io.gantry.scheduler.placement.PlacementFixtures.allocations;
import static io.gantry.scheduler.placement.PlacementFixtures.assertNoOvercommit;
import static io.gantry.scheduler.placement.PlacementFixtures.digest;
import static io.gantry.scheduler.placement.PlacementFixtures.distinct;
import static io.gantry.scheduler.placement.PlacementFixtures.node;
import static io.gantry.scheduler.placement.PlacementFixtures.nodes;
import static io.gantry.scheduler.placement.PlacementFixtures.perNode;
import static io.gantry.scheduler.placement.PlacementFixtures.request;
import static io.gantry.scheduler.placement.PlacementFixtures.spread;
import static io.gantry.scheduler.placement.PlacementFixtures.withImage;
import static io.gantry.scheduler.placement.PlacementFixtures.withLayers;
import static io.gantry.scheduler.placement.PlacementFixtures.withStatus;
import static io.gantry.scheduler.placement.PlacementFixtures.withUsed;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PlacerTest {

    private final Placer placer = new Placer();

    @Test
    void placesWhatFitsAndNeverOvercommits() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes(3, 1000, GIB));
        List<PendingAllocation> pending = allocations(request("web", 300, 256 * MIB), 10);
        Plan plan = placer.place(snapshot, pending, 1);
        assertEquals(9, plan.placements().size());
        assertEquals(1, plan.failures().size());
        assertEquals("3 nodes: insufficient cpu", plan.failures().get(0).why().text());
        assertNoOvercommit(snapshot, pending, plan);
        perNode(plan).values().forEach(c -> assertEquals(3, c));
    }

    @Test
    void countsWhatTheNodesAlreadyRun() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(
                withUsed(node("busy", 1000, GIB), 900, 100 * MIB),
                withUsed(node("half", 1000, GIB), 500, 900 * MIB)));
        List<PendingAllocation> pending = allocations(request("a", 200, 100 * MIB), 3);
        Plan plan = placer.place(snapshot, pending, 1);
        assertEquals(1, plan.placements().size());
        assertEquals(NodeId.of("half"), plan.placements().get(0).nodeId());
        assertEquals("1 node: insufficient cpu; 1 node: insufficient memory",
                plan.failures().get(0).why().text());
        assertNoOvercommit(snapshot, pending, plan);
    }

    @Test
    void eachConstraintOperatorSelectsItsNodes() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(
                node("a", 4000, 8 * GIB, Map.of("zone", "a")),
                node("b", 4000, 8 * GIB, Map.of("zone", "b")),
                node("c", 4000, 8 * GIB, Map.of("zone", "c")),
                node("none", 4000, 8 * GIB, Map.of())));
        assertEquals(Set.of("a"), nodesUsed(snapshot, Constraint.equal("zone", "a")));
        assertEquals(Set.of("b", "c", "none"), nodesUsed(snapshot, Constraint.notEqual("zone", "a")));
        assertEquals(Set.of("a", "b"), nodesUsed(snapshot, Constraint.in("zone", "a", "b")));
        assertEquals(Set.of("c", "none"), nodesUsed(snapshot, Constraint.notIn("zone", "a", "b")));
    }

    private Set<String> nodesUsed(ClusterSnapshot snapshot, Constraint constraint) {
        // spread + many allocations: every node the constraint allows gets some
        PlacementRequest r = spread(request("job", 100, 64 * MIB, List.of(constraint)));
        Plan plan = placer.place(snapshot, allocations(r, 40), 3);
        assertTrue(plan.failures().isEmpty(), () -> plan.failures().toString());
        Set<String> used = new HashSet<>();
        plan.placements().forEach(p -> used.add(p.nodeId().value()));
        return used;
    }

    @Test
    void distinctHostsPutsAtMostOneAllocationOfTheJobOnANode() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes(4, 4000, 8 * GIB),
                Map.of("db", Map.of(NodeId.of("n00000"), 1)));
        PlacementRequest r = distinct(request("db", 100, 64 * MIB));
        Plan plan = placer.place(snapshot, allocations(r, 5), 1);
        assertEquals(3, plan.placements().size());
        Set<NodeId> used = new HashSet<>();
        plan.placements().forEach(p -> assertTrue(used.add(p.nodeId()), "twice on " + p.nodeId()));
        assertTrue(!used.contains(NodeId.of("n00000")), "n00000 already runs one");
        assertEquals(2, plan.failures().size());
        assertEquals("4 nodes: distinct_hosts: job already on node", plan.failures().get(0).why().text());
    }

    @Test
    void binpackFillsOneNodeWhileSpreadUsesAll() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes(4, 4000, 8 * GIB));
        PlacementRequest r = request("web", 500, 512 * MIB);
        Plan packed = placer.place(snapshot, allocations(r, 8), 5);
        assertEquals(List.of(8), List.copyOf(perNode(packed).values()));

        Plan spread = placer.place(snapshot, allocations(spread(r), 8), 5);
        assertEquals(4, perNode(spread).size());
        perNode(spread).values().forEach(c -> assertEquals(2, c));
    }

    @Test
    void binpackPrefersTheFullestNodeThatFits() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(
                withUsed(node("quarter", 4000, 8 * GIB), 1000, 2 * GIB),
                withUsed(node("most", 4000, 8 * GIB), 3000, 6 * GIB),
                node("empty", 4000, 8 * GIB)));
        Plan plan = placer.place(snapshot, allocations(request("x", 500, GIB), 1), 9);
        assertEquals(NodeId.of("most"), plan.placements().get(0).nodeId());
    }

    @Test
    void binpackPutsAMemoryHeavyAllocationWhereCpuIsTheScarcerResource() {
        // "memory-full" is the fuller node, but taking the allocation would exhaust its memory and
        // strand 44% of its cpu; on "cpu-loaded" the allocation evens the node out.
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(
                withUsed(node("memory-full", 4000, 8 * GIB), 2000, 7 * GIB),
                withUsed(node("cpu-loaded", 4000, 8 * GIB), 3000, 2 * GIB)));
        Plan plan = placer.place(snapshot, allocations(request("cache", 250, GIB), 1), 3);
        assertEquals(NodeId.of("cpu-loaded"), plan.placements().get(0).nodeId());
    }

    @Test
    void aSmallClusterOpensAFreshNodeOnlyWhenNoRunningNodeFits() {
        assertEquals(1, PlacementOptions.DEFAULT.openNodesFor(3));
        assertEquals(31, PlacementOptions.DEFAULT.openNodesFor(1000));
        assertEquals(64, PlacementOptions.DEFAULT.openNodesFor(10000));
        // Both running nodes are lopsided, yet on three nodes the empty one is not offered.
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(
                withUsed(node("a", 4000, 8 * GIB), 3500, 1 * GIB),
                withUsed(node("b", 4000, 8 * GIB), 3000, 2 * GIB),
                node("empty", 4000, 8 * GIB)));
        Plan plan = placer.place(snapshot, allocations(request("x", 250, 256 * MIB), 1), 3);
        assertTrue(Set.of(NodeId.of("a"), NodeId.of("b")).contains(plan.placements().get(0).nodeId()));
    }

    @Test
    void jobsPlannedOneAtATimeStayCloseToTheLowerBound() {
        // The benchmark's per-job scenario at 1,000 nodes: 100,000 allocations of mixed sizes, in
        // jobs of 1-40 arriving one by one, each planned alone against what the previous left.
        for (long seed : new long[]{1, 2}) {
            PlacementBenchmark.Result r = PlacementBenchmark.run(placer, "per-job", 1000, 100_000, seed);
            assertEquals(0, r.failed());
            assertTrue(r.quality() <= 1.05, "seed " + seed + ": " + r.nodesUsed() + " nodes used, lower bound "
                    + r.lowerBound());
        }
    }

    @Test
    void layerLocalityPrefersTheNodeHoldingTheImage() {
        var base = digest("base");
        var app = digest("app");
        List<NodeView> list = new ArrayList<>(nodes(3, 4000, 8 * GIB));
        list.set(1, withLayers(list.get(1), Set.of(base, app)));
        list.set(2, withLayers(list.get(2), Set.of(base)));
        PlacementRequest r = withImage(request("web", 100, 64 * MIB),
                List.of(new ImageLayer(base, 80 * MIB), new ImageLayer(app, 20 * MIB)));
        for (long seed = 0; seed < 5; seed++) {
            Plan plan = placer.place(ClusterSnapshot.of(list), allocations(r, 1), seed);
            assertEquals(NodeId.of("n00001"), plan.placements().get(0).nodeId());
        }
    }

    @Test
    void layerLocalityFindsTheHolderEvenWhenTheClusterIsSampled() {
        var layer = digest("big-layer");
        List<NodeView> list = new ArrayList<>(nodes(2000, 4000, 8 * GIB));
        list.set(1234, withLayers(list.get(1234), Set.of(layer)));
        PlacementRequest r = withImage(request("web", 100, 64 * MIB), List.of(new ImageLayer(layer, GIB)));
        for (long seed = 0; seed < 5; seed++) {
            Plan plan = placer.place(ClusterSnapshot.of(list), allocations(r, 1), seed);
            assertEquals(NodeId.of("n01234"), plan.placements().get(0).nodeId());
        }
    }

    @Test
    void drainingAndDownNodesTakeNothing() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(
                withStatus(node("draining", 8000, 16 * GIB), NodeStatus.DRAINING),
                withStatus(node("down", 8000, 16 * GIB), NodeStatus.DOWN),
                node("ready", 1000, GIB)));
        Plan plan = placer.place(snapshot, allocations(request("web", 400, 100 * MIB), 3), 1);
        assertEquals(2, plan.placements().size());
        plan.placements().forEach(p -> assertEquals(NodeId.of("ready"), p.nodeId()));
        assertEquals("1 node: insufficient cpu; 1 node: node down; 1 node: node draining",
                plan.failures().get(0).why().text());
    }

    @Test
    void failureSummaryCountsNodesPerReasonWithExamples() {
        List<NodeView> list = new ArrayList<>();
        for (int i = 0; i < 7; i++) {
            list.add(node("small-" + i, 4000, 256 * MIB, Map.of("zone", "b")));
        }
        list.add(node("a-1", 4000, 64 * GIB, Map.of("zone", "a")));
        list.add(node("a-2", 4000, 64 * GIB, Map.of("zone", "a")));
        PlacementRequest r = request("big", 100, GIB, List.of(Constraint.equal("zone", "b")));
        Plan plan = placer.place(ClusterSnapshot.of(list), allocations(r, 1), 1);
        FailureSummary why = plan.failures().get(0).why();
        assertEquals("7 nodes: insufficient memory; 2 nodes: constraint zone = b not met", why.text());
        assertEquals(9, why.nodesEvaluated());
        assertEquals(FailureSummary.EXAMPLES, why.reasons().get(0).examples().size());
        assertEquals(Set.of(NodeId.of("a-1"), NodeId.of("a-2")), Set.copyOf(why.reasons().get(1).examples()));
    }

    @Test
    void identicalUnplaceableAllocationsShareOneSummary() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes(500, 1000, GIB));
        Plan plan = placer.place(snapshot, allocations(request("huge", 2000, GIB), 1000), 1);
        assertEquals(1000, plan.failures().size());
        FailureSummary first = plan.failures().get(0).why();
        plan.failures().forEach(f -> assertSame(first, f.why()));
        assertEquals("500 nodes: insufficient cpu", first.text());
        assertTrue(plan.stats().nodesFiltered() <= 500 + 10, "explained once, not per allocation");
    }

    @Test
    void noNodesAtAll() {
        Plan plan = placer.place(ClusterSnapshot.of(List.of()), allocations(request("x", 1, 1), 2), 1);
        assertEquals(2, plan.failures().size());
        assertEquals("no nodes registered", plan.failures().get(0).why().text());
    }

    @Test
    void aRescheduledAllocationAvoidsItsPreviousNodeWhenItCan() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(List.of(
                withUsed(node("previous", 4000, 8 * GIB), 3000, 6 * GIB),
                node("other", 4000, 8 * GIB)));
        PlacementRequest r = request("web", 500, GIB);
        PendingAllocation again = new PendingAllocation(AllocationId.of("web-1"), r, Set.of(NodeId.of("previous")));
        assertEquals(NodeId.of("other"), placer.place(snapshot, List.of(again), 1).placements().get(0).nodeId());

        ClusterSnapshot onlyPrevious = ClusterSnapshot.of(List.of(
                node("previous", 4000, 8 * GIB), withUsed(node("other", 4000, 8 * GIB), 4000, 0)));
        assertEquals(NodeId.of("previous"),
                placer.place(onlyPrevious, List.of(again), 1).placements().get(0).nodeId());
    }

    @Test
    void sameSeedSamePlanOnALargeCluster() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes(1000, 16000, 64 * GIB));
        List<PendingAllocation> pending = mixed(5000);
        Plan a = placer.place(snapshot, pending, 42);
        Plan b = placer.place(snapshot, pending, 42);
        assertEquals(a, b);
        Plan c = placer.place(snapshot, pending, 43);
        assertNotEquals(a.placements(), c.placements());
        assertNoOvercommit(snapshot, pending, a);
    }

    @Test
    void sampledBinpackStaysCloseToTheLowerBound() {
        int nodes = 2000;
        long cpu = 16000;
        long mem = 64 * GIB;
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes(nodes, cpu, mem));
        List<PendingAllocation> pending = mixed(10000);
        Plan plan = placer.place(snapshot, pending, 7);
        assertTrue(plan.failures().isEmpty());
        assertNoOvercommit(snapshot, pending, plan);
        long sumCpu = 0;
        long sumMem = 0;
        for (PendingAllocation p : pending) {
            sumCpu += p.request().resources().cpuMillis();
            sumMem += p.request().resources().memoryBytes();
        }
        long lowerBound = Math.max((sumCpu + cpu - 1) / cpu, (sumMem + mem - 1) / mem);
        int used = perNode(plan).size();
        assertTrue(used <= Math.ceil(1.05 * lowerBound), "used " + used + " nodes, lower bound " + lowerBound);
    }

    @Test
    void spreadingAJobPlacesAtMostOneMoreOnAnyNodeThanAnother() {
        ClusterSnapshot snapshot = ClusterSnapshot.of(nodes(300, 16000, 64 * GIB));
        Plan plan = placer.place(snapshot, allocations(spread(request("s", 100, 128 * MIB)), 600), 11);
        var counts = perNode(plan).values();
        assertEquals(300, counts.size());
        counts.forEach(c -> assertEquals(2, c));
    }

    /** Jobs of 10 allocations with sizes from a small seeded mix, like the benchmark's. */
    static List<PendingAllocation> mixed(int count) {
        long[][] sizes = {{250, 512 * MIB}, {500, GIB}, {1000, 2 * GIB}, {2000, 4 * GIB}, {100, 256 * MIB},
                {1500, 6 * GIB}, {4000, 8 * GIB}};
        SplitMix64 rnd = new SplitMix64(99);
        List<PendingAllocation> out = new ArrayList<>(count);
        PlacementRequest r = null;
        for (int i = 0; i < count; i++) {
            if (i % 10 == 0) {
                long[] s = sizes[rnd.nextInt(sizes.length)];
                r = request("job-" + i / 10, s[0], s[1]);
            }
            out.add(new PendingAllocation(AllocationId.of("a-" + i), r));
        }
        return out;
    }
}
