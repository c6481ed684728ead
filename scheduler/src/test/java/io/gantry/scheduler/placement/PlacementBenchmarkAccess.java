package io.gantry.scheduler.placement;

/** Lets the core benchmark reuse the placement benchmark's RSS reader. */
public final class PlacementBenchmarkAccess {

    private PlacementBenchmarkAccess() {
    }

    public static String peakRss() {
        return PlacementBenchmark.peakRss();
    }
}
