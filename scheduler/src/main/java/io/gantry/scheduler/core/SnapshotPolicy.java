package io.gantry.scheduler.core;

/**
 * When the scheduler singleton snapshots its state: once {@link #interval} events have been
 * written since the last snapshot (or since the one it recovered from), where the interval grows
 * with the state, {@code max(minEvents, eventsPerItem × items)}, items being what a snapshot
 * holds: allocations (with their recent history), nodes and jobs.
 *
 * <p>Why it grows: a snapshot costs in proportion to the state (about 500 bytes of JSON per item:
 * 31 MiB for 5,000 nodes, 5,000 jobs and 50,000 allocations with their history), while an event
 * costs about the same whatever the size of the cluster (317 bytes of JSON on average in the
 * simulator's hour at that size). With a fixed interval the snapshots' share of the work grows
 * with the cluster: every 1,000 events meant a 31 MiB snapshot every ~10 s of a busy 5,000-node
 * cluster, 12 GiB of JSON an hour and more CPU than all its other work. With an interval of
 * {@code k × items} the snapshot's cost per event is {@code (500 B × items) / (k × items) =
 * 500 B / k}, the same for 50 nodes as for 5,000.
 *
 * <p>Why {@code k = 4} by default: about 125 bytes of snapshot per event written, some 40 % of
 * what the event itself writes to the journal, so snapshots at most add that much to the write
 * volume (the fixed interval added 100 times the journal's volume at that size); while recovery
 * replays at most {@code 4 × items} events after loading the latest snapshot, about 2.5 times the
 * snapshot's JSON, so restarting the singleton stays in proportion to its state too. A smaller
 * {@code k} shortens recovery and writes more, a larger one the opposite. The minimum keeps small
 * clusters from snapshotting every few events; {@code eventsPerItem = 0} gives the fixed
 * interval of Pekko's {@code snapshotEvery}.
 *
 * @param minEvents     at least this many events between two snapshots; 0 turns snapshots off
 * @param eventsPerItem events per item of the state between two snapshots (0: a fixed interval)
 */
public record SnapshotPolicy(int minEvents, int eventsPerItem) {

    public static final int DEFAULT_MIN_EVENTS = 1000;
    public static final int DEFAULT_EVENTS_PER_ITEM = 4;
    public static final SnapshotPolicy DEFAULT = new SnapshotPolicy(DEFAULT_MIN_EVENTS, DEFAULT_EVENTS_PER_ITEM);

    public SnapshotPolicy {
        if (minEvents < 0 || eventsPerItem < 0) {
            throw new IllegalArgumentException("snapshot-every and snapshot-events-per-item must not be negative, got "
                    + minEvents + " and " + eventsPerItem);
        }
    }

    public boolean enabled() {
        return minEvents > 0;
    }

    /** Events between two snapshots of a state holding {@code items} allocations, nodes and jobs. */
    public long interval(long items) {
        return Math.max(minEvents, (long) eventsPerItem * items);
    }

    /** What a snapshot of the state holds: allocations (recent history included), nodes and jobs. */
    public static long items(SchedulerState state) {
        return (long) state.allAllocations().size() + state.nodes().size() + state.jobs().size();
    }

    /**
     * Whether to snapshot {@code state} now that the journal holds {@code written} events, the
     * last snapshot (or the one recovered from; 0 for none) having been taken after {@code
     * lastSnapshot} events.
     */
    public boolean due(long lastSnapshot, long written, SchedulerState state) {
        return enabled() && written - lastSnapshot >= interval(items(state));
    }
}
