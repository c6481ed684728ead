package io.gantry.scheduler.placement;

/**
 * Tuning of the placer. Defaults are what the placement benchmark measured as keeping bin-pack
 * within a few percent of the lower bound while staying cheap per placement.
 *
 * @param candidates       how many feasible nodes to score per placement on a large cluster
 *                         (Nomad's limit, kube-scheduler's percentageOfNodesToScore)
 * @param scoreAllBelow    clusters with at most this many nodes have every feasible node scored
 * @param localityCandidates extra candidates taken from the nodes that hold the image's largest
 *                         layer, so that locality can win even when those nodes are not sampled
 * @param fitWeight        weight of the bin-pack or spread fit score
 * @param localityWeight   weight of layer locality (bytes of the image the node holds ÷ image size)
 * @param antiAffinityWeight weight of "fewer allocations of the same job on this node"
 * @param openNodes        bin-pack: at most this many partly filled nodes are kept open to choose
 *                         from (a fresh node is offered beside the running ones while fewer than
 *                         that can take the allocation)
 * @param nodesPerOpenNode bin-pack: one open node per this many nodes of the cluster, so a small
 *                         cluster opens a fresh node only when no running node can take the allocation
 */
public record PlacementOptions(
        int candidates,
        int scoreAllBelow,
        int localityCandidates,
        double fitWeight,
        double localityWeight,
        double antiAffinityWeight,
        int openNodes,
        int nodesPerOpenNode) {

    public static final PlacementOptions DEFAULT = new PlacementOptions(16, 64, 4, 1.0, 0.5, 0.3, 64, 32);

    public PlacementOptions {
        if (candidates < 1) {
            throw new IllegalArgumentException("candidates must be at least 1, got " + candidates);
        }
        if (scoreAllBelow < 0 || localityCandidates < 0) {
            throw new IllegalArgumentException("scoreAllBelow and localityCandidates must not be negative");
        }
        if (fitWeight < 0 || localityWeight < 0 || antiAffinityWeight < 0
                || fitWeight + localityWeight + antiAffinityWeight == 0) {
            throw new IllegalArgumentException("score weights must be non-negative and not all zero");
        }
        if (openNodes < 1 || nodesPerOpenNode < 1) {
            throw new IllegalArgumentException("openNodes and nodesPerOpenNode must be at least 1");
        }
    }

    /** How many partly filled nodes bin-pack keeps open on a cluster of {@code nodes}: at least 1. */
    public int openNodesFor(int nodes) {
        return Math.max(1, Math.min(openNodes, nodes / nodesPerOpenNode));
    }

    public PlacementOptions withCandidates(int candidates) {
        return new PlacementOptions(candidates, scoreAllBelow, localityCandidates, fitWeight, localityWeight,
                antiAffinityWeight, openNodes, nodesPerOpenNode);
    }
}
