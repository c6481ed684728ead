package io.gantry.scheduler.placement;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SplitMix64Test {

    @Test
    void knownSequenceForSeedZero() {
        // Reference values of SplitMix64 from seed 0 (as in Vigna's splitmix64.c).
        SplitMix64 r = new SplitMix64(0);
        assertEquals(0xE220A8397B1DCDAFL, r.nextLong());
        assertEquals(0x6E789E6AA1B965F4L, r.nextLong());
        assertEquals(0x06C45D188009454FL, r.nextLong());
    }

    @Test
    void boundedIntsStayInRangeAndShuffleIsAPermutation() {
        SplitMix64 r = new SplitMix64(42);
        int[] counts = new int[7];
        for (int i = 0; i < 70_000; i++) {
            counts[r.nextInt(7)]++;
        }
        for (int c : counts) {
            assertTrue(c > 9000 && c < 11000, "roughly uniform: " + c);
        }
        int[] a = new int[100];
        for (int i = 0; i < a.length; i++) {
            a[i] = i;
        }
        new SplitMix64(1).shuffle(a);
        int[] b = a.clone();
        java.util.Arrays.sort(b);
        for (int i = 0; i < b.length; i++) {
            assertEquals(i, b[i]);
        }
        int[] again = new int[100];
        for (int i = 0; i < again.length; i++) {
            again[i] = i;
        }
        new SplitMix64(1).shuffle(again);
        assertArrayEquals(a, again);
    }
}
