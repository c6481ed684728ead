package io.gantry.agent.node;

/**
 * Fences scheduler commands by epoch, as Flink's TaskExecutor fences slot requests by leader id:
 * the agent remembers the highest epoch it has accepted and drops any command stamped with a
 * lower one, so a deposed scheduler incarnation that still runs (on the wrong side of a
 * partition, or not yet aware that it lost the singleton) can neither start nor stop anything.
 * A command from the same or a newer epoch is accepted; a newer one raises the fence.
 */
public final class EpochFence {

    public enum Verdict {
        /** Same epoch as the highest seen. */
        ACCEPT,
        /** A newer scheduler: accepted, and the fence moves up (persist it). */
        ACCEPT_NEWER,
        /** From an older scheduler: drop it. */
        REJECT_STALE
    }

    private long highest;

    /** @param highest the highest epoch accepted before (0 for a new node) */
    public EpochFence(long highest) {
        if (highest < 0) {
            throw new IllegalArgumentException("epoch must not be negative, got " + highest);
        }
        this.highest = highest;
    }

    public Verdict admit(long epoch) {
        if (epoch < highest) {
            return Verdict.REJECT_STALE;
        }
        if (epoch > highest) {
            highest = epoch;
            return Verdict.ACCEPT_NEWER;
        }
        return Verdict.ACCEPT;
    }

    public long highest() {
        return highest;
    }
}
