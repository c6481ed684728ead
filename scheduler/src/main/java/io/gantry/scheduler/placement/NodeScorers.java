package io.gantry.scheduler.placement;

import io.gantry.protocol.oci.Digest;

import java.util.Set;

/** The scoring plugins. */
final class NodeScorers {

    private NodeScorers() {
    }

    /**
     * Nomad's fit score ({@code ScoreFitBinPack}): with f the fraction of cpu and of memory left
     * free after the placement, {@code 20 - (10^f_cpu + 10^f_mem)} rewards filling a node, and
     * steeply so as it nears full; spread is its mirror image. Scaled from [0, 18] to [0, 1].
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
                double total = Math.pow(10, freeCpu) + Math.pow(10, freeMem);
                double binpack = Math.max(0, Math.min(1, (20 - total) / 18));
                return ask.spread ? 1 - binpack : binpack;
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
