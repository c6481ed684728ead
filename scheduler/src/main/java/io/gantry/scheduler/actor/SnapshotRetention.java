package io.gantry.scheduler.actor;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.OptionalLong;

/**
 * Which snapshots to delete so that the latest {@code keep-snapshots} remain. Pekko deletes old
 * snapshots by itself only for its own "every N events" retention; the scheduler decides its
 * snapshots with {@link io.gantry.scheduler.core.SnapshotPolicy} (an interval that grows with the
 * state), so it asks the snapshot store to delete the older ones itself.
 *
 * <p>It knows the snapshots it wrote and the one it recovered from. Older ones (of earlier
 * incarnations) all have lower sequence numbers, so once it knows {@code keep} snapshots,
 * everything below the oldest of them goes; before that it deletes nothing, since a snapshot it
 * does not know of may be among the latest.
 */
final class SnapshotRetention {

    private final int keep;
    private final Deque<Long> kept = new ArrayDeque<>();

    SnapshotRetention(int keep) {
        if (keep < 1) {
            throw new IllegalArgumentException("keep at least one snapshot, got " + keep);
        }
        this.keep = keep;
    }

    /** Recovery started from the snapshot taken after {@code sequenceNr} events (0: none). */
    void recoveredFrom(long sequenceNr) {
        if (sequenceNr > 0) {
            kept.addLast(sequenceNr);
        }
    }

    /**
     * A snapshot after {@code sequenceNr} events was written: the highest sequence number of the
     * snapshots to delete now (every one at or below it), if any.
     */
    OptionalLong written(long sequenceNr) {
        kept.addLast(sequenceNr);
        while (kept.size() > keep) {
            kept.removeFirst();
        }
        return kept.size() == keep && kept.peekFirst() > 1 ? OptionalLong.of(kept.peekFirst() - 1) : OptionalLong.empty();
    }
}
