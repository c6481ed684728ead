package io.gantry.sim;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bigger sweeps for the slow profile ({@code mvn -Pslow}): a thousand seeds of the small
 * cluster, and a hundred of a 60-node cluster running 150 jobs for an hour each.
 */
@Tag("slow")
class LongSweepTest {

    private static List<String> sweep(SimOptions o, long from, long to) {
        List<String> failures = new ArrayList<>();
        for (long seed = from; seed <= to; seed++) {
            SimResult r = new Simulation(o, seed, null, null).run();
            if (r.failed()) {
                failures.add(ReportText.violation(r));
            }
        }
        return failures;
    }

    /** Without lossy-network faults, for finding 2 (seed 231 hits it): see below. */
    @Test
    void aThousandSmallClusters() {
        SimOptions o = SimOptions.defaults().withFencingWindow(SimulationSweepTest.CORE_FENCING_WINDOW)
                .without("lossy-network");
        assertEquals(List.of(), sweep(o, 121, 1120));
    }

    /**
     * Without lossy-network faults: a lost RUNNING report leaves a drain's replacement "starting"
     * in the scheduler for good, so the drained copy is never stopped (simulations/README.md,
     * finding 2); at this size some seed in a hundred hits it.
     */
    @Test
    void aHundredMediumClustersForAnHour() {
        SimOptions o = SimOptions.defaults().withFencingWindow(SimulationSweepTest.CORE_FENCING_WINDOW)
                .withSize(60, 150, 450, 60 * 60_000L).without("lossy-network");
        assertEquals(List.of(), sweep(o, 1, 100));
    }
}
