package io.gantry.agent.snapshot;

import java.nio.file.Path;
import java.time.Instant;
import java.util.List;

/**
 * A snapshot as the snapshotter keeps it.
 *
 * @param id    names the snapshot's own directory ({@code snapshots/<id>/}); null for an
 *              imported layer, which owns no directory
 * @param layer the diff id of an imported layer, else null
 * @param stack for a committed snapshot, its content: overlay-form directories, top first; for an
 *              active or view snapshot, the parent's stack (its lower layers)
 */
record SnapshotRecord(String name, SnapshotInfo.Kind kind, String parent, String id, Instant created,
                      String layer, List<Path> stack) {
    SnapshotRecord {
        stack = List.copyOf(stack);
    }

    SnapshotInfo info() {
        return new SnapshotInfo(name, parent, kind, created);
    }
}
