package io.gantry.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default suite's sweeps: seeds of a small cluster (8 agents, 3 scheduler nodes, 12 jobs, 30
 * simulated minutes, the seed's default faults) keep every invariant, with the same 20 s fencing
 * window as {@code gantry sim}: 120 seeds as they come, and 100 with 5 % of every message lost
 * all the time (where a lost stop or "running" report once let a count = 1 job run twice for
 * 30-40 s: simulations/README.md, finding 6).
 */
class SimulationSweepTest {

    private static List<String> sweep(SimOptions o, long from, long to, long[] faultsAndChecks) {
        List<String> failures = new ArrayList<>();
        for (long seed = from; seed <= to; seed++) {
            SimResult r = new Simulation(o, seed, null, null).run();
            faultsAndChecks[0] += r.schedule().size();
            faultsAndChecks[1] += r.checksRun();
            if (r.failed()) {
                failures.add(ReportText.violation(r));
            }
        }
        return failures;
    }

    @Test
    void onehundredTwentySeedsWithDefaultFaultsKeepEveryInvariant() {
        long[] counted = new long[2];
        assertEquals(List.of(), sweep(SimOptions.defaults(), 1, 120, counted), "violations in the sweep");
        assertTrue(counted[0] > 120 * 5, "the default schedules inject faults: " + counted[0]);
        assertTrue(counted[1] > 120 * 500, "the invariants are checked continuously: " + counted[1]);
    }

    @Test
    void aHundredSeedsLosingFivePercentOfAllMessagesKeepEveryInvariant() {
        long[] counted = new long[2];
        assertEquals(List.of(), sweep(SimOptions.defaults().withLoss(0.05), 1, 100, counted),
                "violations in the sweep");
    }
}
