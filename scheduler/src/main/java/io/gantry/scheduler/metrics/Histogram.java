package io.gantry.scheduler.metrics;

import java.util.Arrays;
import java.util.List;

/**
 * A Prometheus-style histogram of durations in seconds: fixed upper bounds, cumulative counts
 * when snapshotted, a sum and a count. Owned by one actor (not thread-safe); readers get a
 * {@link Snapshot}.
 */
public final class Histogram {

    /** Bounds for decisions and journal writes: half a millisecond to ten seconds. */
    public static final List<Double> LATENCY_BOUNDS = List.of(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1,
            0.25, 0.5, 1.0, 2.5, 5.0, 10.0);

    private final double[] bounds;
    private final long[] counts;
    private double sum;
    private long count;

    public Histogram(List<Double> bounds) {
        this.bounds = bounds.stream().mapToDouble(Double::doubleValue).toArray();
        for (int i = 1; i < this.bounds.length; i++) {
            if (this.bounds[i] <= this.bounds[i - 1]) {
                throw new IllegalArgumentException("histogram bounds must grow: " + bounds);
            }
        }
        this.counts = new long[this.bounds.length];
    }

    public void observeNanos(long nanos) {
        observe(nanos / 1e9);
    }

    public void observe(double seconds) {
        int i = Arrays.binarySearch(bounds, seconds);
        int bucket = i >= 0 ? i : -i - 1;
        if (bucket < counts.length) {
            counts[bucket]++;
        }
        sum += seconds;
        count++;
    }

    public Snapshot snapshot() {
        Long[] cumulative = new Long[counts.length];
        long running = 0;
        for (int i = 0; i < counts.length; i++) {
            running += counts[i];
            cumulative[i] = running;
        }
        return new Snapshot(Arrays.stream(bounds).boxed().toList(), List.of(cumulative), sum, count);
    }

    /**
     * @param cumulativeCounts observations at or below each bound (Prometheus' {@code le})
     * @param count            every observation ({@code le="+Inf"})
     */
    public record Snapshot(List<Double> bounds, List<Long> cumulativeCounts, double sum, long count) {
        public Snapshot {
            bounds = List.copyOf(bounds);
            cumulativeCounts = List.copyOf(cumulativeCounts);
            if (bounds.size() != cumulativeCounts.size()) {
                throw new IllegalArgumentException("one count per bound");
            }
        }

        public static Snapshot empty(List<Double> bounds) {
            return new Histogram(bounds).snapshot();
        }
    }
}
