package io.gantry.scheduler.actor;

/**
 * Marks the scheduler's API messages (asks from the REST layer and their answers), which cross
 * the network whenever the REST call lands on another node than the singleton. They are written
 * as JSON by {@link SchedulerJsonSerializer} (bound in the scheduler's {@code reference.conf});
 * agent messages use the protocol's Kryo table instead.
 */
public interface SchedulerMessage {
}
