package io.gantry.scheduler.placement;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class FreeCapacityIndexTest {

    @Test
    void findsTheFirstPositionWhereBothDimensionsFit() {
        long[] cpu = {100, 500, 900, 500, 2000};
        long[] mem = {900, 100, 100, 800, 50};
        FreeCapacityIndex index = new FreeCapacityIndex(cpu, mem);
        assertEquals(3, index.nextFit(0, 400, 700));
        assertEquals(0, index.nextFit(0, 50, 50));
        assertEquals(4, index.nextFit(4, 50, 50));
        assertEquals(-1, index.nextFit(0, 1000, 100));
        assertEquals(-1, index.nextFit(5, 1, 1));
    }

    @Test
    void updatesAreSeenByLaterSearches() {
        FreeCapacityIndex index = new FreeCapacityIndex(new long[]{10, 10, 10}, new long[]{10, 10, 10});
        index.set(0, 0, 10);
        assertEquals(1, index.nextFit(0, 5, 5));
        index.set(1, -1, -1);
        assertEquals(2, index.nextFit(0, 5, 5));
        index.set(0, 10, 10);
        assertEquals(0, index.nextFit(0, 5, 5));
        assertEquals(10, index.freeCpu(0));
    }

    @Test
    void agreesWithALinearScanOnRandomData() {
        SplitMix64 rnd = new SplitMix64(7);
        int n = 1000;
        long[] cpu = new long[n];
        long[] mem = new long[n];
        for (int i = 0; i < n; i++) {
            cpu[i] = rnd.nextInt(100);
            mem[i] = rnd.nextInt(100);
        }
        FreeCapacityIndex index = new FreeCapacityIndex(cpu, mem);
        for (int q = 0; q < 5000; q++) {
            if (q % 3 == 0) {
                int p = rnd.nextInt(n);
                cpu[p] = rnd.nextInt(100);
                mem[p] = rnd.nextInt(100);
                index.set(p, cpu[p], mem[p]);
            }
            int from = rnd.nextInt(n);
            long c = rnd.nextInt(100);
            long m = rnd.nextInt(100);
            int expected = -1;
            for (int i = from; i < n; i++) {
                if (cpu[i] >= c && mem[i] >= m) {
                    expected = i;
                    break;
                }
            }
            assertEquals(expected, index.nextFit(from, c, m));
        }
    }
}
