package io.gantry.scheduler.core;

import io.gantry.protocol.job.JobSpec;
import org.junit.jupiter.api.Test;

import static io.gantry.scheduler.core.SchedulerHarness.node;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** When the singleton snapshots: an interval that grows with the state, so the cost per event does not. */
class SnapshotPolicyTest {

    static final long GIB = 1L << 30;

    @Test
    void aSmallStateIsSnapshottedEveryMinimumNumberOfEvents() {
        SnapshotPolicy p = SnapshotPolicy.DEFAULT;
        assertEquals(1000, p.interval(0));
        assertEquals(1000, p.interval(250), "4 × 250 = 1000: still the minimum");
        assertEquals(1004, p.interval(251));
    }

    @Test
    void aLargeStateWaitsInProportionToItsSize() {
        SnapshotPolicy p = SnapshotPolicy.DEFAULT;
        // 5,000 nodes, 5,000 jobs and 50,000 allocations (about 30 MiB of JSON): every 240,000 events
        // instead of every 1,000
        assertEquals(240_000, p.interval(5_000 + 5_000 + 50_000));
    }

    @Test
    void theSnapshotCostPerEventStaysTheSameAsTheStateGrows() {
        SnapshotPolicy p = SnapshotPolicy.DEFAULT;
        // a snapshot costs about the same per item: items / interval is what snapshots add per event
        double small = 1_000.0 / p.interval(1_000);
        double large = 60_000.0 / p.interval(60_000);
        assertEquals(0.25, small, 1e-9);
        assertEquals(small, large, 1e-9);
        // with the old fixed interval, the larger state cost 60 times as much per event
        SnapshotPolicy fixed = new SnapshotPolicy(1000, 0);
        assertEquals(60.0, (60_000.0 / fixed.interval(60_000)) / (1_000.0 / fixed.interval(1_000)), 1e-9);
    }

    @Test
    void dueCountsFromTheLastSnapshotAndTheStateItHolds() {
        SchedulerHarness h = new SchedulerHarness();
        for (int i = 0; i < 4; i++) {
            h.registerNode(node("n" + i, 4000, 8 * GIB));
        }
        h.submit(JobSpec.builder("web", "registry.local/web:1").count(6).resources(500, GIB / 2).build());
        SchedulerState s = h.state();
        assertEquals(6 + 4 + 1, SnapshotPolicy.items(s), "allocations, nodes and jobs");

        SnapshotPolicy p = new SnapshotPolicy(10, 2); // every max(10, 2 × 11) = 22 events
        assertFalse(p.due(0, 21, s));
        assertTrue(p.due(0, 22, s));
        assertFalse(p.due(22, 43, s), "counted from the last snapshot");
        assertTrue(p.due(22, 44, s));
        assertTrue(new SnapshotPolicy(10, 0).due(0, 10, s), "eventsPerItem 0: a fixed interval");
        assertFalse(new SnapshotPolicy(0, 2).due(0, 1_000_000, s), "snapshot-every 0: never");
    }

    @Test
    void negativeSettingsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new SnapshotPolicy(-1, 4));
        assertThrows(IllegalArgumentException.class, () -> new SnapshotPolicy(1000, -4));
    }
}
