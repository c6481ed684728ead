package io.gantry.scheduler.view;

import io.gantry.protocol.allocation.ExitStatus;

import java.time.Instant;
import java.util.Optional;

/**
 * One allocation as the API shows it: where it runs, in which state, why, and its place in its
 * chain of replacements.
 *
 * @param node         the node it is placed on; empty while pending
 * @param nodeAddress  that node's agent endpoint (logs are streamed from there)
 * @param stopReason   why it was asked to stop, once it was
 * @param replaces     the allocation it replaced (failed, lost, drained, outdated)
 * @param replacedBy   the allocation that replaced it
 * @param rescheduleAt for a failed allocation: when its replacement is due
 */
public record AllocationView(String id, String jobId, long jobVersion, int index, Optional<String> node,
                             Optional<String> nodeAddress, String state, String message, int restartCount,
                             Optional<ExitStatus> exit, Instant createdAt, Instant modifiedAt,
                             Optional<Instant> startedAt, Optional<Instant> finishedAt,
                             Optional<String> stopReason, Optional<String> replaces, Optional<String> replacedBy,
                             Optional<Instant> rescheduleAt) {
}
