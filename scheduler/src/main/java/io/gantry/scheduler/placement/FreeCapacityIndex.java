package io.gantry.scheduler.placement;

/**
 * Free cpu and memory of every node, in a fixed order of positions, as a max segment tree: it
 * finds the next position at or after {@code from} where an ask of (cpu, memory) fits, skipping
 * whole runs of full nodes in O(log n) instead of visiting them. This is what lets the placer
 * walk nodes "first-fit" style on a 10,000-node cluster without rescanning the nodes it has
 * already filled.
 *
 * <p>An inner node keeps the maximum free cpu and the maximum free memory of its subtree; both
 * maxima may come from different leaves, so the test is a necessary condition for descending and
 * the leaf test is exact. Ineligible nodes (down, draining) are stored with free = -1 and never
 * match.
 */
final class FreeCapacityIndex {

    private final int n;
    private final int size;
    private final long[] maxCpu;
    private final long[] maxMem;

    FreeCapacityIndex(long[] freeCpu, long[] freeMem) {
        if (freeCpu.length != freeMem.length) {
            throw new IllegalArgumentException("cpu and memory arrays differ in length");
        }
        this.n = freeCpu.length;
        int s = 1;
        while (s < Math.max(1, n)) {
            s <<= 1;
        }
        this.size = s;
        this.maxCpu = new long[2 * s];
        this.maxMem = new long[2 * s];
        java.util.Arrays.fill(maxCpu, -1);
        java.util.Arrays.fill(maxMem, -1);
        System.arraycopy(freeCpu, 0, maxCpu, s, n);
        System.arraycopy(freeMem, 0, maxMem, s, n);
        for (int i = s - 1; i >= 1; i--) {
            maxCpu[i] = Math.max(maxCpu[2 * i], maxCpu[2 * i + 1]);
            maxMem[i] = Math.max(maxMem[2 * i], maxMem[2 * i + 1]);
        }
    }

    int size() {
        return n;
    }

    /** The most free cpu of any node (-1 when none is stored). */
    long maxFreeCpu() {
        return maxCpu[1];
    }

    /** The most free memory of any node (-1 when none is stored). */
    long maxFreeMemory() {
        return maxMem[1];
    }

    long freeCpu(int pos) {
        return maxCpu[size + pos];
    }

    long freeMemory(int pos) {
        return maxMem[size + pos];
    }

    void set(int pos, long freeCpu, long freeMem) {
        int i = size + pos;
        maxCpu[i] = freeCpu;
        maxMem[i] = freeMem;
        for (i >>>= 1; i >= 1; i >>>= 1) {
            long c = Math.max(maxCpu[2 * i], maxCpu[2 * i + 1]);
            long m = Math.max(maxMem[2 * i], maxMem[2 * i + 1]);
            if (c == maxCpu[i] && m == maxMem[i]) {
                break; // nothing above changes either
            }
            maxCpu[i] = c;
            maxMem[i] = m;
        }
    }

    /** The first position {@code >= from} where (cpu, memory) fits, or -1. */
    int nextFit(int from, long cpu, long mem) {
        if (from >= n || from < 0) {
            return -1;
        }
        return find(1, 0, size, from, cpu, mem);
    }

    private int find(int node, int lo, int hi, int from, long cpu, long mem) {
        if (hi <= from || maxCpu[node] < cpu || maxMem[node] < mem) {
            return -1;
        }
        if (hi - lo == 1) {
            return lo;
        }
        int mid = (lo + hi) >>> 1;
        int r = find(2 * node, lo, mid, from, cpu, mem);
        return r >= 0 ? r : find(2 * node + 1, mid, hi, from, cpu, mem);
    }
}
