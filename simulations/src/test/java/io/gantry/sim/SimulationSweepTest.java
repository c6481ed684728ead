package io.gantry.sim;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The default suite's sweep: 120 seeds of a small cluster (8 agents, 3 scheduler nodes, 12 jobs,
 * 30 simulated minutes, the seed's default faults) keep every invariant.
 *
 * <p>The single-instance check here allows the overlap the scheduler core guarantees today,
 * {@link #CORE_FENCING_WINDOW}: a StopAllocation that is lost (an agent restarting, a lossy
 * link) is re-sent only after the core's resendAfter of 30 s, and the stop itself may take the
 * job's stop timeout of 10 s. The stricter default of {@code gantry sim} (20 s) catches that;
 * simulations/README.md lists those findings with the seeds that reproduce them.
 */
class SimulationSweepTest {

    /** resendAfter (30 s) + the longest stop timeout (10 s) + 5 s of message and start latency. */
    static final long CORE_FENCING_WINDOW = 45_000;

    @Test
    void onehundredTwentySeedsWithDefaultFaultsKeepEveryInvariant() {
        SimOptions o = SimOptions.defaults().withFencingWindow(CORE_FENCING_WINDOW);
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
