package io.gantry.agent.snapshot;

import java.time.Instant;

/**
 * What a snapshot is. {@code parent} is the committed snapshot it was made from (null for none).
 *
 * @param name the key of an active or view snapshot, the name of a committed one
 */
public record SnapshotInfo(String name, String parent, Kind kind, Instant created) {

    /** containerd's kinds: a committed snapshot is read-only and can be a parent. */
    public enum Kind {
        VIEW, ACTIVE, COMMITTED
    }
}
