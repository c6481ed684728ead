package io.gantry.scheduler.metrics;

import java.util.Map;

/**
 * The scheduler's metrics at one moment, taken on the singleton and rendered as Prometheus text
 * by whichever node serves {@code GET /metrics}. Counters count since this singleton incarnation
 * started (a failover resets them, which Prometheus' rate() handles as a counter reset).
 *
 * @param placementLatency  seconds to decide a plan that placed allocations (the core's handling
 *                          of the command, from the command in to the plan out)
 * @param persistLatency    seconds from handing events to the journal to their being durable
 * @param pendingWait       seconds each placed allocation waited for a node (0 when placed at once)
 */
public record MetricsSnapshot(long epoch, Map<String, Long> jobsByStatus, Map<String, Long> allocationsByState,
                              Map<String, Long> nodesByStatus, long placementsTotal, long placementFailuresTotal,
                              long commandsTotal, long eventsPersistedTotal, long agentCommandsSentTotal,
                              long agentCommandsUndeliverableTotal, Histogram.Snapshot placementLatency,
                              Histogram.Snapshot persistLatency, Histogram.Snapshot pendingWait) {

    public MetricsSnapshot {
        jobsByStatus = Map.copyOf(jobsByStatus);
        allocationsByState = Map.copyOf(allocationsByState);
        nodesByStatus = Map.copyOf(nodesByStatus);
    }
}
