package io.gantry.scheduler.core;

import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.protocol.node.NodeId;

import java.time.Instant;
import java.util.List;

/**
 * What the shell around the core must do, in order: persist the events first, then send, reply,
 * and arm a timer. Nothing is sent or acknowledged before the events that justify it are durable.
 */
public sealed interface SchedulerEffect {

    record Persist(List<SchedulerEvent> events) implements SchedulerEffect {
        public Persist {
            events = List.copyOf(events);
        }
    }

    /** Send a command, stamped with the current epoch, to the agent of a node. */
    record SendToNode(NodeId node, AgentCommand command) implements SchedulerEffect {
    }

    /** Answer the sender of the command being handled. */
    record Reply(SchedulerReply reply) implements SchedulerEffect {
    }

    /** Deliver a {@link SchedulerCommand.Tick} no later than this (a reschedule falls due). */
    record WakeUpAt(Instant at) implements SchedulerEffect {
    }
}
