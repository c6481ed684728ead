package io.gantry.ops.server;

import com.typesafe.config.Config;
import io.gantry.protocol.cluster.AgentReport;
import io.gantry.scheduler.actor.SchedulerActor;
import io.gantry.scheduler.actor.SchedulerSingleton;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * What a {@link NodeRole} gets to start with: the node's ActorSystem, its checked settings and
 * full config, and the proxy to the scheduler singleton (present on every node).
 */
public record NodeContext(ActorSystem<?> system, GantrySettings settings, Config config,
                          ActorRef<Object> schedulerProxy) {

  /** Where agents send RegisterNode and their reports. */
  public ActorRef<AgentReport> schedulerReports() {
    return SchedulerSingleton.reports(schedulerProxy);
  }

  /** Where the REST layer asks the scheduler. */
  public ActorRef<SchedulerActor.Command> schedulerCommands() {
    return SchedulerSingleton.commands(schedulerProxy);
  }
}
