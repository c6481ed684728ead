package io.gantry.scheduler.view;

import java.time.Instant;
import java.util.Map;
import java.util.Optional;

/**
 * One node as {@code GET /v1/nodes} shows it.
 *
 * @param status        ready, draining or down
 * @param statusReason  why it is in that status (registered, drain requested, the down reason)
 * @param capacity      what it offers allocations
 * @param reserved      what its allocations reserve
 * @param allocations   allocations holding resources there
 * @param usage         what its containers use, as its agent last reported (empty until it does)
 */
public record NodeSummary(String id, String address, String status, String statusReason, Instant statusSince,
                          Map<String, String> labels, ResourcesView capacity, ResourcesView reserved, int allocations,
                          String runtime, long registeredEpoch, int layers, Optional<UsageView> usage) {

    /** Cpu in millicores and memory in bytes. */
    public record ResourcesView(long cpuMillis, long memoryBytes) {
    }

    /** An agent's last usage report. */
    public record UsageView(long cpuMillis, long memoryBytes, int runningAllocations, Instant at) {
    }

    public NodeSummary {
        labels = Map.copyOf(labels);
    }
}
