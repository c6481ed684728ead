package io.gantry.sim;

import io.gantry.scheduler.core.SnapshotPolicy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeterminismTest {

    private static SimResult run(SimOptions o, long seed) {
        return new Simulation(o, seed, SimRunner.schedule(o), null).run();
    }

    @Test
    void theSameSeedGivesTheSameTraceAndDifferentSeedsDiffer() {
        SimOptions o = SimOptions.defaults();
        SimResult a = run(o, 42);
        SimResult b = run(o, 42);
        SimResult c = run(o, 43);
        assertEquals(a.traceHash(), b.traceHash());
        assertEquals(a.traceLines, b.traceLines);
        assertEquals(a.checksRun(), b.checksRun());
        assertNotEquals(a.traceHash(), c.traceHash());
        assertTrue(a.traceLines > 500, "a run traces what happens: " + a.traceLines);
    }

    @Test
    void aScheduleWrittenToAFileReplaysTheSameRun(@TempDir Path dir) {
        SimOptions o = SimOptions.defaults();
        SimResult generated = run(o, 7);
        Path file = SimRunner.writeSchedule(dir, "seed-7.faults", generated.schedule());
        SimResult replayed = run(o.withFaults(file.toString()), 7);
        assertEquals(generated.schedule(), replayed.schedule());
        assertEquals(generated.traceHash(), replayed.traceHash());
    }

    @Test
    void theJournalReplayedFromJsonBehavesAsTheObjects() {
        SimOptions json = SimOptions.defaults();
        SimOptions memory = new SimOptions(json.nodes(), json.schedulers(), json.jobs(), json.allocations(),
                json.durationMillis(), json.faults(), 1, 1, null, false, json.convergeWithin(), json.fencingWindow(),
                0, java.util.Set.of(), null, true, false, false, java.util.Set.of(), json.snapshots());
        for (long seed : new long[] {3, 11}) {
            SimResult a = run(json, seed);
            SimResult b = run(memory, seed);
            assertTrue(a.stats.singletonsStarted > 1, "seed " + seed + " has a failover");
            assertEquals(a.traceHash(), b.traceHash(), "seed " + seed);
        }
    }

    /**
     * Recovery from the scheduler's snapshots (taken every 7 events here, and read back from
     * JSON) must take exactly the decisions a full replay takes: the same trace.
     */
    @Test
    void recoveringFromSnapshotsDecidesAsAFullReplay() {
        SimOptions o = SimOptions.defaults();
        for (long seed : new long[] {3, 11, 28}) {
            SimResult full = run(o.withSnapshotEvery(0), seed);
            SimResult snapshots = run(o.withSnapshots(new SnapshotPolicy(7, 0)), seed);
            assertEquals(0, full.snapshots);
            assertTrue(snapshots.snapshots > 10, "seed " + seed + ": " + snapshots.snapshots + " snapshots");
            assertTrue(full.stats.singletonsStarted > 1, "seed " + seed + " has a failover");
            assertEquals(full.traceHash(), snapshots.traceHash(), "seed " + seed);
        }
    }

    @Test
    void noFaultsIsQuietAndConverges() {
        SimResult r = run(SimOptions.defaults().withFaults("none"), 5);
        assertFalse(r.failed(), () -> ReportText.violation(r));
        assertEquals(0, r.schedule().size());
        assertEquals(1, r.checks.get("convergence")[0], "the convergence bound was checked");
        assertEquals(1, r.stats.singletonsStarted);
    }
}
