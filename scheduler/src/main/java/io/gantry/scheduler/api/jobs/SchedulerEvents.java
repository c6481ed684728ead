package io.gantry.scheduler.api.jobs;

import io.gantry.scheduler.actor.SchedulerActor;
import io.gantry.scheduler.view.SchedulerChange;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.javadsl.BroadcastHub;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

/**
 * This node's feed of the scheduler's changes, for {@code GET /v1/events}: one subscriber to the
 * cluster-wide topic the singleton publishes on, fanned out to every open event stream of this
 * node through a broadcast hub. A permanent consumer keeps the hub flowing, so a stream sees the
 * changes from the moment it opens, and a slow client only loses its own oldest changes (each
 * stream has its own bounded buffer) instead of holding the others back.
 */
public final class SchedulerEvents {

    static final int BUFFER = 256;

    private final Source<SchedulerChange, NotUsed> changes;

    private SchedulerEvents(Source<SchedulerChange, NotUsed> changes) {
        this.changes = changes;
    }

    public static SchedulerEvents start(ActorSystem<?> system) {
        Pair<BoundedSourceQueue<SchedulerChange>, Source<SchedulerChange, NotUsed>> hub = Source
                .<SchedulerChange>queue(BUFFER)
                .toMat(BroadcastHub.of(SchedulerChange.class, BUFFER), Keep.both())
                .run(system);
        hub.second().runWith(Sink.ignore(), system);
        BoundedSourceQueue<SchedulerChange> queue = hub.first();
        system.systemActorOf(subscriber(queue), "scheduler-events", Props.empty());
        return new SchedulerEvents(hub.second());
    }

    private static Behavior<SchedulerChange> subscriber(BoundedSourceQueue<SchedulerChange> queue) {
        return Behaviors.setup(ctx -> {
            ActorRef<Topic.Command<SchedulerChange>> topic = ctx.spawn(
                    Topic.create(SchedulerChange.class, SchedulerActor.CHANGES_TOPIC), "topic");
            topic.tell(Topic.subscribe(ctx.getSelf()));
            return Behaviors.receiveMessage(change -> {
                queue.offer(change); // dropped when the node's buffer is full: the feed is best effort
                return Behaviors.same();
            });
        });
    }

    /** The changes from now on. */
    public Source<SchedulerChange, NotUsed> changes() {
        return changes;
    }
}
