package io.gantry.agent.node;

import io.gantry.protocol.cluster.AgentReport;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

/**
 * Tells the {@link NodeAgent} where the scheduler is. Each scheduler incarnation (the cluster
 * singleton, wherever it runs) lists itself with the receptionist under {@link #SCHEDULER}; the
 * watch subscribes to that key, and whenever the listing shows an incarnation it has not seen
 * (the first one, or the next after a failover) the agent is told to register with it. When the
 * listing goes empty the agent is told there is none, until the next one appears.
 */
public final class SchedulerWatch {

    /** The key the scheduler registers under (the scheduler module creates the same key). */
    public static final ServiceKey<AgentReport> SCHEDULER = ServiceKey.create(AgentReport.class, "gantry-scheduler");

    private SchedulerWatch() {
    }

    public static Behavior<Receptionist.Listing> create(ActorRef<NodeAgent.Command> agent) {
        return Behaviors.setup(ctx -> {
            ctx.getSystem().receptionist().tell(Receptionist.subscribe(SCHEDULER, ctx.getSelf()));
            Set<ActorRef<AgentReport>> seen = new HashSet<>();
            Optional<ActorRef<AgentReport>>[] current = new Optional[] {Optional.empty()};
            return Behaviors.receiveMessage(listing -> {
                Set<ActorRef<AgentReport>> listed = listing.getServiceInstances(SCHEDULER);
                Optional<ActorRef<AgentReport>> fresh = listed.stream().filter(r -> !seen.contains(r)).findFirst();
                if (fresh.isPresent()) {
                    seen.add(fresh.get());
                    current[0] = fresh;
                    ctx.getLog().info("scheduler incarnation {} listed: registering", fresh.get().path());
                    agent.tell(new NodeAgent.SchedulerChanged(fresh));
                } else if (listed.isEmpty() && current[0].isPresent()) {
                    current[0] = Optional.empty();
                    agent.tell(new NodeAgent.SchedulerChanged(Optional.empty()));
                }
                return Behaviors.same();
            });
        });
    }
}
