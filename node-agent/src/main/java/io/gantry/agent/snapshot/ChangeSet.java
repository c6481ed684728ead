package io.gantry.agent.snapshot;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/** The changes of a writable layer against its parent, sorted by path (parents first). */
public final class ChangeSet {
    private final List<Change> changes;

    ChangeSet(List<Change> changes) {
        List<Change> sorted = new ArrayList<>(changes);
        sorted.sort(Comparator.comparing(Change::path));
        this.changes = List.copyOf(sorted);
    }

    public List<Change> changes() {
        return changes;
    }

    public boolean isEmpty() {
        return changes.isEmpty();
    }

    /** One line per change, as {@code docker diff} prints them. */
    public List<String> lines() {
        return changes.stream().map(Change::toString).toList();
    }

    @Override
    public String toString() {
        return String.join("\n", lines());
    }
}
