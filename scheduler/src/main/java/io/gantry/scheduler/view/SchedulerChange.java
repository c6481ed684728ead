package io.gantry.scheduler.view;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * One user-visible change of the cluster, as {@code GET /v1/events} streams it (Server-Sent
 * Events, event name {@code kind.change}, e.g. {@code allocation.running}). Derived from the
 * scheduler's persisted events by {@link ChangeFeed}; published by the singleton to every
 * scheduler node once those events are durable.
 *
 * @param seq     grows by one per change within one scheduler incarnation ({@code epoch})
 * @param kind    job, allocation, node or scheduler
 * @param id      the job, allocation or node id (the epoch for the scheduler)
 * @param change  what happened: submitted, updated, scaled, stopped, placement-failed (jobs);
 *                created, placed, stopping, reschedule-scheduled or the new state (allocations);
 *                registered, draining, down (nodes); started (scheduler)
 * @param job     the job concerned, for allocations too
 * @param node    the node concerned, when there is one
 * @param message details in words (a version, a reason, an exit status)
 */
public record SchedulerChange(long epoch, long seq, String kind, String id, String change, Optional<String> job,
                              Optional<String> node, String message, Instant at) {

    public SchedulerChange {
        Objects.requireNonNull(kind, "kind");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(change, "change");
        Objects.requireNonNull(job, "job");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(message, "message");
        Objects.requireNonNull(at, "at");
    }

    /** The SSE event name. */
    public String eventName() {
        return kind + "." + change;
    }
}
