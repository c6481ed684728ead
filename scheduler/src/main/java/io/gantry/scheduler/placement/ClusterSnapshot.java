package io.gantry.scheduler.placement;

import io.gantry.protocol.node.NodeId;

import java.util.List;
import java.util.Map;

/**
 * The cluster as one plan sees it. The placer only reads it; the plan it returns says what
 * would change.
 *
 * <p>Nodes come in a stable order (the scheduler state gives them sorted by id): the same
 * snapshot, pending list and seed always give the same plan.
 */
public interface ClusterSnapshot {

    List<NodeView> nodes();

    /**
     * How many allocations of the job hold a place on each node (for {@code distinct_hosts} and
     * anti-affinity); nodes without any may be left out.
     */
    Map<NodeId, Integer> allocationsPerNode(String jobId);

    /** A snapshot from plain values, for tests, benchmarks and the simulator. */
    static ClusterSnapshot of(List<NodeView> nodes, Map<String, Map<NodeId, Integer>> allocationsPerJob) {
        List<NodeView> copy = List.copyOf(nodes);
        Map<String, Map<NodeId, Integer>> perJob = Map.copyOf(allocationsPerJob);
        return new ClusterSnapshot() {
            @Override
            public List<NodeView> nodes() {
                return copy;
            }

            @Override
            public Map<NodeId, Integer> allocationsPerNode(String jobId) {
                return perJob.getOrDefault(jobId, Map.of());
            }
        };
    }

    static ClusterSnapshot of(List<NodeView> nodes) {
        return of(nodes, Map.of());
    }
}
