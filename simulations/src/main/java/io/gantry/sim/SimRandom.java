package io.gantry.sim;

import io.gantry.scheduler.placement.SplitMix64;

/**
 * The simulation's only source of randomness. Everything random (network delays, container exits,
 * pull sources, the fault schedule, the workload) draws from generators split off one root seeded
 * with the run's seed, so one seed fixes the whole run. SplitMix64 (the scheduler's own, written
 * out) rather than {@link java.util.SplittableRandom}, whose algorithm the JDK does not promise
 * to keep, so that a trace hash stays the same across JVM versions.
 *
 * <p>Each concern gets its own split stream: a fault schedule read back from a file then leaves the
 * other streams exactly as the generated one did, and removing one fault while shrinking disturbs
 * the rest of the run less.
 */
public final class SimRandom implements java.util.random.RandomGenerator {

    private final SplitMix64 g;

    public SimRandom(long seed) {
        this.g = new SplitMix64(seed);
    }

    /** An independent stream, derived deterministically from this one. */
    public SimRandom split() {
        long s = g.nextLong();
        return new SimRandom(s ^ 0x5DEECE66DL * 0x9E3779B97F4A7C15L);
    }

    @Override
    public long nextLong() {
        return g.nextLong();
    }

    /** Uniform in [0, bound). */
    @Override
    public int nextInt(int bound) {
        return g.nextInt(bound);
    }

    /** Uniform in [0, 1). */
    @Override
    public double nextDouble() {
        return g.nextDouble();
    }

    public boolean chance(double p) {
        return p > 0 && g.nextDouble() < p;
    }

    /** Uniform in [lo, hi] (milliseconds or anything else). */
    public long between(long lo, long hi) {
        if (hi <= lo) {
            return lo;
        }
        long span = hi - lo + 1;
        if (span <= Integer.MAX_VALUE) {
            return lo + g.nextInt((int) span);
        }
        return lo + (long) (g.nextDouble() * span);
    }

    /** Exponentially distributed with the given mean (for times between failures). */
    public long exponential(double mean) {
        double u = g.nextDouble();
        return (long) Math.ceil(-mean * Math.log(1 - u));
    }

    public <T> T pick(java.util.List<T> items) {
        return items.get(g.nextInt(items.size()));
    }
}
