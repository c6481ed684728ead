package io.gantry.sim;

import java.util.PriorityQueue;

/**
 * Simulated time: a queue of actions ordered by (time, sequence). The sequence number breaks ties
 * in the order the actions were scheduled, so two events at the same millisecond always run in
 * the same order. Nothing here reads a wall clock; time moves only by taking the next action.
 *
 * <p>Timers are never removed from the queue: an owner that wants to cancel one bumps a
 * generation counter and the action checks it when it runs, which keeps scheduling O(log n).
 */
public final class EventLoop {

    private record Entry(long at, long seq, Runnable action) implements Comparable<Entry> {
        @Override
        public int compareTo(Entry o) {
            int c = Long.compare(at, o.at);
            return c != 0 ? c : Long.compare(seq, o.seq);
        }
    }

    private final PriorityQueue<Entry> queue = new PriorityQueue<>(1 << 16);
    private long now;
    private long seq;
    private long executed;
    private boolean stopped;

    /** Milliseconds of simulated time since the start of the run. */
    public long now() {
        return now;
    }

    public long executed() {
        return executed;
    }

    public int pending() {
        return queue.size();
    }

    public void at(long time, Runnable action) {
        if (time < now) {
            time = now;
        }
        queue.add(new Entry(time, seq++, action));
    }

    public void after(long delayMillis, Runnable action) {
        at(now + Math.max(0, delayMillis), action);
    }

    /** Ends {@link #runUntil} after the current action. */
    public void stop() {
        stopped = true;
    }

    public boolean stopped() {
        return stopped;
    }

    /** Runs actions in order until the queue is empty, {@code end} is passed, or {@link #stop()}. */
    public void runUntil(long end) {
        while (!stopped) {
            Entry e = queue.peek();
            if (e == null || e.at > end) {
                now = Math.max(now, end);
                return;
            }
            queue.poll();
            now = e.at;
            executed++;
            e.action.run();
        }
    }
}
