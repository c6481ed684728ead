package io.gantry.scheduler.view;

import java.time.Instant;

/**
 * One line of {@code GET /v1/jobs}.
 *
 * @param status  {@code running} (every instance runs), {@code starting} (placed, not all running
 *                yet), {@code pending} (some instance found no node), {@code degraded} (some
 *                instance failed and waits for its replacement), {@code complete} (every
 *                instance exited successfully), {@code idle} (count 0), {@code stopped}
 * @param running allocations running now
 * @param pending allocations waiting for a node
 */
public record JobSummary(String id, String name, String image, long version, String status, int count, int running,
                         int pending, Instant submittedAt, Instant modifiedAt) {
}
