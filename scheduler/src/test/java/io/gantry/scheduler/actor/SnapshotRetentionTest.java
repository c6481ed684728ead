package io.gantry.scheduler.actor;

import org.junit.jupiter.api.Test;

import java.util.OptionalLong;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Which old snapshots go, so that the latest keep-snapshots remain. */
class SnapshotRetentionTest {

    @Test
    void onceItKnowsKeepSnapshotsEverythingOlderGoes() {
        SnapshotRetention r = new SnapshotRetention(2);
        r.recoveredFrom(5000);
        assertEquals(OptionalLong.of(4999), r.written(9000), "5000 and 9000 stay; older incarnations' go");
        assertEquals(OptionalLong.of(8999), r.written(14000));
        assertEquals(OptionalLong.of(13999), r.written(20000));
    }

    @Test
    void withoutARecoveredSnapshotNothingGoesUntilKeepAreWritten() {
        SnapshotRetention r = new SnapshotRetention(2);
        r.recoveredFrom(0); // none (or recover-from-snapshot = off): an older one may be among the latest two
        assertEquals(OptionalLong.empty(), r.written(3000));
        assertEquals(OptionalLong.of(2999), r.written(7000));
    }

    @Test
    void keepOneDeletesAllButTheNewest() {
        SnapshotRetention r = new SnapshotRetention(1);
        assertEquals(OptionalLong.of(99), r.written(100));
        assertEquals(OptionalLong.of(249), r.written(250));
    }
}
