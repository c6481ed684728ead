package io.gantry.scheduler.actor;

import io.gantry.protocol.cluster.AgentReport;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.typed.ClusterSingleton;
import org.apache.pekko.cluster.typed.ClusterSingletonSettings;
import org.apache.pekko.cluster.typed.SingletonActor;

import java.time.Clock;

/**
 * Starts the scheduler as a cluster singleton on the nodes with role {@value #ROLE} and a proxy
 * to it on every node (also on agent-only nodes, whose agents register through it). The proxy
 * accepts both the scheduler's API commands and the agents' reports; {@link #commands} and
 * {@link #reports} give it the type each side needs.
 */
public final class SchedulerSingleton {

    public static final String ROLE = "scheduler";

    private SchedulerSingleton() {
    }

    /**
     * Must be called on every node of the cluster with the same settings; the singleton runs on
     * the oldest scheduler-role node, and moves when that node leaves.
     */
    public static ActorRef<Object> init(ActorSystem<?> system, SchedulerSettings settings, Clock clock) {
        return ClusterSingleton.get(system).init(
                SingletonActor.of(SchedulerActor.create(settings, clock), SchedulerActor.SINGLETON_NAME)
                        .withStopMessage(SchedulerActor.stopMessage())
                        .withSettings(ClusterSingletonSettings.create(system).withRole(ROLE)));
    }

    public static ActorRef<SchedulerActor.Command> commands(ActorRef<Object> proxy) {
        return proxy.narrow();
    }

    public static ActorRef<AgentReport> reports(ActorRef<Object> proxy) {
        return proxy.narrow();
    }
}
