package io.gantry.scheduler.placement;

import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.protocol.oci.Digest;

import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;

/**
 * The working state of one {@link Placer#place} call, kube-scheduler's "CycleState" for a whole
 * batch: every node's free resources updated in place as the plan grows (no copy per placement),
 * two free-capacity indexes (nodes already running something, and empty nodes) that find fitting
 * nodes without scanning full ones, and per-job and per-layer lookups built on first use.
 *
 * <p>Nodes are addressed by position: their order after a seeded shuffle of the snapshot, which
 * is also the first-fit order of this plan.
 */
final class PlanningState {

    final ClusterSnapshot snapshot;
    final int n;
    final NodeView[] nodes;
    final boolean[] ready;
    final long[] capCpu;
    final long[] capMem;
    final long[] freeCpu;
    final long[] freeMem;
    final boolean[] occupied;
    /** Ready nodes that run something; others are stored as -1. */
    final FreeCapacityIndex usedNodes;
    /** Ready nodes that run nothing; others are stored as -1. */
    final FreeCapacityIndex emptyNodes;
    /** Marks a position as already a candidate of the current placement (value = placement number). */
    final int[] candidateStamp;
    final SplitMix64 random;
    final long maxCpuCapacity;
    final long maxMemCapacity;

    private final Map<PlacementRequest, Ask> asks = new IdentityHashMap<>();
    private final Map<String, IntCounter> jobCounts = new HashMap<>();
    private final Map<Digest, int[]> holders = new HashMap<>();
    private Map<NodeId, Integer> positions;

    PlanningState(ClusterSnapshot snapshot, long seed) {
        this.snapshot = snapshot;
        this.random = new SplitMix64(seed);
        List<NodeView> list = snapshot.nodes();
        this.n = list.size();
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        random.shuffle(order);
        nodes = new NodeView[n];
        ready = new boolean[n];
        capCpu = new long[n];
        capMem = new long[n];
        freeCpu = new long[n];
        freeMem = new long[n];
        occupied = new boolean[n];
        candidateStamp = new int[n];
        long[] usedCpuTree = new long[n];
        long[] usedMemTree = new long[n];
        long[] emptyCpuTree = new long[n];
        long[] emptyMemTree = new long[n];
        long maxCpu = 0;
        long maxMem = 0;
        for (int p = 0; p < n; p++) {
            NodeView v = list.get(order[p]);
            nodes[p] = v;
            ready[p] = v.status() == NodeStatus.READY;
            capCpu[p] = v.cpuCapacityMillis();
            capMem[p] = v.memoryCapacityBytes();
            freeCpu[p] = v.freeCpuMillis();
            freeMem[p] = v.freeMemoryBytes();
            occupied[p] = v.cpuUsedMillis() > 0 || v.memoryUsedBytes() > 0;
            maxCpu = Math.max(maxCpu, capCpu[p]);
            maxMem = Math.max(maxMem, capMem[p]);
            boolean inUsed = ready[p] && occupied[p];
            boolean inEmpty = ready[p] && !occupied[p];
            usedCpuTree[p] = inUsed ? Math.max(0, freeCpu[p]) : -1;
            usedMemTree[p] = inUsed ? Math.max(0, freeMem[p]) : -1;
            emptyCpuTree[p] = inEmpty ? Math.max(0, freeCpu[p]) : -1;
            emptyMemTree[p] = inEmpty ? Math.max(0, freeMem[p]) : -1;
        }
        maxCpuCapacity = maxCpu;
        maxMemCapacity = maxMem;
        usedNodes = new FreeCapacityIndex(usedCpuTree, usedMemTree);
        emptyNodes = new FreeCapacityIndex(emptyCpuTree, emptyMemTree);
    }

    Ask ask(PlacementRequest request) {
        Ask a = asks.get(request);
        if (a == null) {
            a = new Ask(request, jobCounts(request.jobId()));
            asks.put(request, a);
        }
        return a;
    }

    /** Allocations of the job per node position: the snapshot's, plus this plan's as it grows. */
    private IntCounter jobCounts(String jobId) {
        IntCounter c = jobCounts.get(jobId);
        if (c == null) {
            c = new IntCounter();
            Map<NodeId, Integer> existing = snapshot.allocationsPerNode(jobId);
            if (!existing.isEmpty()) {
                Map<NodeId, Integer> pos = positions();
                for (Map.Entry<NodeId, Integer> e : existing.entrySet()) {
                    Integer p = pos.get(e.getKey());
                    if (p != null && e.getValue() > 0) {
                        c.add(p, e.getValue());
                    }
                }
            }
            jobCounts.put(jobId, c);
        }
        return c;
    }

    private Map<NodeId, Integer> positions() {
        if (positions == null) {
            positions = new HashMap<>(n * 2);
            for (int p = 0; p < n; p++) {
                positions.put(nodes[p].id(), p);
            }
        }
        return positions;
    }

    /** Positions (ascending) of the nodes that hold a layer; one scan of the nodes per layer per plan. */
    int[] holders(Digest layer) {
        int[] h = holders.get(layer);
        if (h == null) {
            int count = 0;
            int[] tmp = new int[n];
            for (int p = 0; p < n; p++) {
                if (nodes[p].layers().contains(layer)) {
                    tmp[count++] = p;
                }
            }
            h = java.util.Arrays.copyOf(tmp, count);
            holders.put(layer, h);
        }
        return h;
    }

    boolean fits(int p, Ask ask) {
        return freeCpu[p] >= ask.cpu && freeMem[p] >= ask.mem;
    }

    /** Records a placement: free resources, the indexes, the job's count on the node. */
    void commit(int p, Ask ask) {
        freeCpu[p] -= ask.cpu;
        freeMem[p] -= ask.mem;
        if (!occupied[p]) {
            occupied[p] = true;
            emptyNodes.set(p, -1, -1);
        }
        usedNodes.set(p, freeCpu[p], freeMem[p]);
        ask.jobCounts.add(p, 1);
    }
}
