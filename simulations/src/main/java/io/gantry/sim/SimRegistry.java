package io.gantry.sim;

import io.gantry.protocol.oci.Digest;

import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The origin registry and the "who has digest X" directory of the peers. Agents pull a layer from
 * a peer that holds it when one is reachable (the faster link of a few sampled holders, as a
 * real agent would try a handful), from the registry otherwise. Bandwidth is per link: fast
 * within a rack, slower and uneven between racks (a fixed function of the seed and the two
 * racks), and the registry's own, which slow-pull faults cut down.
 */
final class SimRegistry {

    static final long RACK_BYTES_PER_MS = 1_200_000;
    static final long CROSS_RACK_BYTES_PER_MS = 250_000;

    private final Simulation sim;
    private final long seed;
    private final Map<Digest, List<Integer>> holders = new HashMap<>();
    private final Map<Digest, BitSet> holderSet = new HashMap<>();
    private boolean outage;
    private double slowFactor = 1;
    private double failingPulls;

    SimRegistry(Simulation sim, long seed) {
        this.sim = sim;
        this.seed = seed;
    }

    boolean outage() {
        return outage;
    }

    void outage(boolean down) {
        outage = down;
    }

    double slowFactor() {
        return slowFactor;
    }

    void slowFactor(double f) {
        slowFactor = f;
    }

    double failingPulls() {
        return failingPulls;
    }

    void failingPulls(double p) {
        failingPulls = p;
    }

    void addHolder(Digest d, int node) {
        BitSet set = holderSet.computeIfAbsent(d, k -> new BitSet());
        if (!set.get(node)) {
            set.set(node);
            holders.computeIfAbsent(d, k -> new ArrayList<>()).add(node);
        }
    }

    /** A reachable peer with the layer, the best link of up to six sampled holders; -1 for none. */
    int choosePeer(Digest d, int self, SimRandom rnd) {
        List<Integer> list = holders.get(d);
        if (list == null || list.isEmpty()) {
            return -1;
        }
        int best = -1;
        long bestBw = -1;
        int tries = Math.min(6, list.size());
        for (int i = 0; i < tries; i++) {
            int peer = list.size() <= 6 ? list.get(i) : list.get(rnd.nextInt(list.size()));
            if (peer == self) {
                continue;
            }
            SimNode n = sim.node(peer);
            if (!n.processUp() || sim.network().separated(self, peer)) {
                continue;
            }
            long bw = peerBandwidth(self, peer);
            if (bw > bestBw) {
                best = peer;
                bestBw = bw;
            }
        }
        return best;
    }

    long peerBandwidth(int a, int b) {
        int ra = sim.topology().rack(a);
        int rb = sim.topology().rack(b);
        if (ra == rb) {
            return RACK_BYTES_PER_MS;
        }
        long lo = Math.min(ra, rb);
        long hi = Math.max(ra, rb);
        long z = seed ^ (lo * 0x9E3779B97F4A7C15L) ^ (hi * 0xC2B2AE3D27D4EB4FL);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        double f = 0.4 + ((z >>> 11) * 0x1.0p-53) * 1.2;
        return (long) (CROSS_RACK_BYTES_PER_MS * f);
    }
}
