package io.gantry.sim;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Bigger sweeps for the slow profile ({@code mvn -Pslow}): a thousand seeds of the small
 * cluster, and a hundred of a 60-node cluster running 150 jobs for an hour each, every fault
 * kind included and the 20 s fencing window of {@code gantry sim}.
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

    @Test
    void aThousandSmallClusters() {
        assertEquals(List.of(), sweep(SimOptions.defaults(), 121, 1120));
    }

    @Test
    void aHundredMediumClustersForAnHour() {
        assertEquals(List.of(), sweep(SimOptions.defaults().withSize(60, 150, 450, 60 * 60_000L), 1, 100));
    }
}
