package io.gantry.scheduler.actor;

import io.gantry.scheduler.core.AllocationRecord;
import io.gantry.scheduler.core.SchedulerEvent;
import io.gantry.scheduler.core.SchedulerState;
import io.gantry.scheduler.metrics.Histogram;
import io.gantry.scheduler.metrics.MetricsSnapshot;
import io.gantry.scheduler.view.SchedulerViews;

import java.time.Duration;
import java.util.List;

/**
 * The singleton's counters and histograms. Lives in the actor (one thread), is not persisted,
 * and starts from zero in each incarnation; gauges (jobs, allocations, nodes) are computed from
 * the state when asked.
 */
final class SchedulerMetrics {

    private long placements;
    private long placementFailures;
    private long commands;
    private long eventsPersisted;
    private long agentCommandsSent;
    private long agentCommandsUndeliverable;
    private final Histogram placementLatency = new Histogram(Histogram.LATENCY_BOUNDS);
    private final Histogram persistLatency = new Histogram(Histogram.LATENCY_BOUNDS);
    private final Histogram pendingWait = new Histogram(List.of(0.001, 0.01, 0.1, 1.0, 10.0, 60.0, 600.0, 3600.0));

    void command() {
        commands++;
    }

    /** A command was decided in {@code nanos}; {@code events} are what it produced (already applied). */
    void decided(List<SchedulerEvent> events, long nanos, SchedulerState state) {
        boolean placed = false;
        for (SchedulerEvent e : events) {
            if (e instanceof SchedulerEvent.PlanApplied p) {
                placements += p.placed().size();
                placementFailures += p.failed().size();
                placed |= !p.placed().isEmpty();
                for (SchedulerEvent.PlacedAllocation a : p.placed()) {
                    state.allocation(a.id()).map(AllocationRecord::allocation).ifPresent(x ->
                            pendingWait.observeNanos(Math.max(0, Duration.between(x.createdAt(), p.at()).toNanos())));
                }
            }
        }
        if (placed) {
            placementLatency.observeNanos(nanos);
        }
    }

    void persisted(int events, long nanos) {
        eventsPersisted += events;
        persistLatency.observeNanos(nanos);
    }

    void sent() {
        agentCommandsSent++;
    }

    void undeliverable() {
        agentCommandsUndeliverable++;
    }

    MetricsSnapshot snapshot(SchedulerState state) {
        return new MetricsSnapshot(state.epoch(), SchedulerViews.jobsByStatus(state),
                SchedulerViews.allocationsByState(state), SchedulerViews.nodesByStatus(state), placements,
                placementFailures, commands, eventsPersisted, agentCommandsSent, agentCommandsUndeliverable,
                placementLatency.snapshot(), persistLatency.snapshot(), pendingWait.snapshot());
    }
}
