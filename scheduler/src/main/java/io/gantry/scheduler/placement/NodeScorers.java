package io.gantry.scheduler.placement;

import io.gantry.protocol.oci.Digest;

import java.util.Set;

/** The scoring plugins. */
final class NodeScorers {

    private NodeScorers() {
    }

    /**
     * Bin-pack: how balanced the node's free cpu and memory stay after the placement, mostly, and
     * how full it gets, a little. With fc and fm the fractions of cpu and of memory left free,
     * {@code 0.8 × (1 - |fc - fm| / (max(fc, fm) + 0.03)) + 0.2 × (1 - (fc + fm) / 2)}.
     *
     * <p>Why balance first: a node is done when either resource runs out, and whatever is left of
     * the other is lost. When jobs arrive one at a time their allocations cannot be reordered (a
     * batch can: see {@link Placer}), so the only defence is to put a memory-heavy allocation
     * where cpu is the scarcer free resource and the other way round. Measured with
     * {@code scheduler/bench/placement}, one plan per job: Nomad's fullness score
     * ({@code 20 - (10^fc + 10^fm)}) used 1.14-1.19 × the lower bound, this one 1.02-1.05. The
     * imbalance is relative to what is free, so a nearly full node with a small absolute imbalance
     * is not shunned; the 0.03 keeps an almost exhausted node from scoring on noise.
     *
     * <p>Spread keeps Nomad's mirror image of fullness ({@code ScoreFitSpread}): the emptiest node
     * wins, balance does not matter there.
     */
    static NodeScorer fit(double weight) {
        return new NodeScorer() {
            @Override
            public double weight(Ask ask) {
                return weight;
            }

            @Override
            public double score(PlanningState s, int p, Ask ask) {
                double freeCpu = s.capCpu[p] == 0 ? 0 : (double) (s.freeCpu[p] - ask.cpu) / s.capCpu[p];
                double freeMem = s.capMem[p] == 0 ? 0 : (double) (s.freeMem[p] - ask.mem) / s.capMem[p];
                if (ask.spread) {
                    double total = Math.pow(10, freeCpu) + Math.pow(10, freeMem);
                    return 1 - Math.max(0, Math.min(1, (20 - total) / 18));
                }
                double imbalance = Math.abs(freeCpu - freeMem) / (Math.max(freeCpu, freeMem) + 0.03);
                double balance = 1 - Math.min(1, imbalance);
                double fullness = 1 - (freeCpu + freeMem) / 2;
                return 0.8 * balance + 0.2 * fullness;
            }
        };
    }

    /** Bytes of the job's image layers the node already holds ÷ the image's size. */
    static NodeScorer layerLocality(double weight) {
        return new NodeScorer() {
            @Override
            public double weight(Ask ask) {
                return ask.totalLayerBytes > 0 ? weight : 0;
            }

            @Override
            public double score(PlanningState s, int p, Ask ask) {
                Set<Digest> held = s.nodes[p].layers();
                if (held.isEmpty()) {
                    return 0;
                }
                long bytes = 0;
                for (int i = 0; i < ask.layerDigests.length; i++) {
                    if (held.contains(ask.layerDigests[i])) {
                        bytes += ask.layerSizes[i];
                    }
                }
                return (double) bytes / ask.totalLayerBytes;
            }
        };
    }

    /** Fewer allocations of the same job on the node score higher: 1 / (1 + count). */
    static NodeScorer jobAntiAffinity(double weight) {
        return new NodeScorer() {
            @Override
            public double weight(Ask ask) {
                return weight;
            }

            @Override
            public double score(PlanningState s, int p, Ask ask) {
                return 1.0 / (1 + ask.jobCounts.get(p));
            }
        };
    }
}
