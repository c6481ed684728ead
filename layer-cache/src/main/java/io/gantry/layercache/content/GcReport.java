package io.gantry.layercache.content;

import java.util.List;

/**
 * What one gc did: usage before and after (blobs plus participants), the budget, and what was
 * removed in order. {@code underBudget} is false when leased content alone exceeds the budget.
 */
public record GcReport(long budget, long usageBefore, long usageAfter, List<Removed> removed, boolean underBudget) {

    public GcReport {
        removed = List.copyOf(removed);
    }

    public long bytesFreed() {
        return usageBefore - usageAfter;
    }

    /** One removed entry: "blob" or a participant's name, its id, its size. */
    public record Removed(String kind, String id, long size) {
    }
}
