package io.gantry.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default suite's sweep: 120 seeds of a small cluster (8 agents, 3 scheduler nodes, 12 jobs,
 * 30 simulated minutes, the seed's default faults) keep every invariant.
 */
class SimulationSweepTest {

    @Test
    void onehundredTwentySeedsWithDefaultFaultsKeepEveryInvariant() {
        SimOptions o = SimOptions.defaults();
        List<String> failures = new ArrayList<>();
        long faults = 0;
        long checks = 0;
        for (long seed = 1; seed <= 120; seed++) {
            SimResult r = new Simulation(o, seed, null, null).run();
            faults += r.schedule().size();
            checks += r.checksRun();
            if (r.failed()) {
                failures.add(ReportText.violation(r));
            }
        }
        assertEquals(List.of(), failures, "violations in the sweep");
        assertTrue(faults > 120 * 5, "the default schedules inject faults: " + faults);
        assertTrue(checks > 120 * 500, "the invariants are checked continuously: " + checks);
    }
}
