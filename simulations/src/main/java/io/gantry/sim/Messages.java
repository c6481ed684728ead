package io.gantry.sim;

import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.scheduler.core.SchedulerCommand;
import io.gantry.scheduler.core.SchedulerReply;

/**
 * Envelopes for what crosses the simulated network. Scheduler → agent commands and agent →
 * scheduler reports are Gantry's own cluster messages ({@code RunAllocation},
 * {@code AllocationStatusChanged}, ...); the envelope only adds which singleton incarnation sent
 * or should receive them, which in the real cluster is the actor ref a message travels to.
 */
final class Messages {

    private Messages() {
    }

    /** To the singleton incarnation {@code singleton}: a cluster report or a RegisterNode. */
    record ToScheduler(long singleton, Object report) {
    }

    record ToAgent(long singleton, AgentCommand command) {
    }

    /** A user request through the REST API, answered with a {@link ClientReply}. */
    record ClientRequest(long requestId, SchedulerCommand command) {
    }

    record ClientReply(long requestId, SchedulerReply reply) {
    }
}
