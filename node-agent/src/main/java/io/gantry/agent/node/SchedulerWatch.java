package io.gantry.agent.node;

import io.gantry.protocol.cluster.AgentReport;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;

import java.util.Optional;

/**
 * Tells the {@link NodeAgent} where the scheduler is. The scheduler is a cluster singleton, and a
 * singleton runs on the oldest member with its role; so whenever the oldest {@code Up} member
 * with the scheduler role changes (the first scheduler node comes up, the old one leaves or is
 * downed), the singleton is starting somewhere new, and the agent must register with it again.
 * The messages themselves go through {@code scheduler} (the singleton proxy, which buffers them
 * while the singleton moves).
 */
public final class SchedulerWatch {

    private SchedulerWatch() {
    }

    public static Behavior<ClusterEvent.MemberEvent> create(ActorRef<NodeAgent.Command> agent,
                                                           ActorRef<AgentReport> scheduler, String role) {
        return Behaviors.setup(ctx -> {
            Cluster cluster = Cluster.get(ctx.getSystem());
            cluster.subscriptions().tell(Subscribe.create(ctx.getSelf(), ClusterEvent.MemberEvent.class));
            Optional<Member>[] host = new Optional[] {Optional.empty()};
            Runnable check = () -> {
                Optional<Member> oldest = oldest(cluster, role);
                boolean changed = oldest.map(Member::uniqueAddress).equals(host[0].map(Member::uniqueAddress)) == false;
                if (changed) {
                    host[0] = oldest;
                    ctx.getLog().info("scheduler singleton host is now {}", oldest.map(m -> m.address().toString()).orElse("none"));
                    agent.tell(new NodeAgent.SchedulerChanged(oldest.map(m -> scheduler)));
                }
            };
            check.run();
            return Behaviors.receiveMessage(event -> {
                check.run();
                return Behaviors.same();
            });
        });
    }

    static Optional<Member> oldest(Cluster cluster, String role) {
        Member oldest = null;
        for (Member m : cluster.state().getMembers()) {
            if (m.status() == MemberStatus.up() && m.hasRole(role) && (oldest == null || m.isOlderThan(oldest))) {
                oldest = m;
            }
        }
        return Optional.ofNullable(oldest);
    }
}
