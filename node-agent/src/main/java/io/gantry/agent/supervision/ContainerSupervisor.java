package io.gantry.agent.supervision;

import io.gantry.agent.container.ContainerConflictException;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.container.ResolvedImage;
import io.gantry.agent.runtime.ContainerExit;
import org.apache.pekko.Done;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * One container's supervisor: a thin shell around its {@link ContainerLifecycle}. It feeds the
 * lifecycle requests and outcomes and carries out the effects: blocking work (pull, launch,
 * stop, teardown) on the blocking executor with the outcome piped back to itself, the restart
 * delay as a timer, the record written, and every change published to its parent. Requests that
 * wait for an outcome (stop, wait, remove) are answered when the lifecycle says so.
 */
public final class ContainerSupervisor extends AbstractBehavior<ContainerSupervisor.Command> {

    public sealed interface Command extends NoSerializationVerificationNeeded {
    }

    /** Stop with {@code grace}; answered with the view once the container has ended. */
    public record Stop(Duration grace, String reason, ActorRef<StatusReply<ContainerView>> replyTo) implements Command {
    }

    /** Answered with the view once the container has ended for good (no restart due). */
    public record Wait(ActorRef<StatusReply<ContainerView>> replyTo) implements Command {
    }

    /** Remove; answered once everything is gone, or with a conflict when it runs and not {@code force}. */
    public record Remove(boolean force, ActorRef<StatusReply<Done>> replyTo) implements Command {
    }

    private record Outcome(LifecycleEvent event) implements Command {
    }

    private record RestartTimer(int run) implements Command {
    }

    /** What a supervisor tells its parent. */
    public sealed interface Event extends NoSerializationVerificationNeeded {
    }

    public record Changed(ContainerView view) implements Event {
    }

    /** The container and its supervisor are gone. */
    public record Gone(String id) implements Event {
    }

    /** The container's image was resolved (pulled first if it had to be): what it is made of. */
    public record ImageReady(String id, ResolvedImage image) implements Event {
    }

    private static final String RESTART_TIMER = "restart";

    private final ContainerLifecycle lifecycle;
    private final ContainerOperations ops;
    private final Executor blocking;
    private final ActorRef<Event> parent;
    private final TimerScheduler<Command> timers;
    private final List<ActorRef<StatusReply<ContainerView>>> endWaiters = new ArrayList<>();
    private final List<ActorRef<StatusReply<Done>>> removeWaiters = new ArrayList<>();
    /** The record a Persist effect asked for, written when the effects at hand are carried out. */
    private ContainerRecord unwritten;
    private int applying;

    public static Behavior<Command> create(ContainerLifecycle lifecycle, LifecycleEvent first, ContainerOperations ops,
                                           Executor blocking, ActorRef<Event> parent) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
            ContainerSupervisor s = new ContainerSupervisor(ctx, lifecycle, ops, blocking, parent, timers);
            s.apply(lifecycle.handle(first));
            return s;
        }));
    }

    private ContainerSupervisor(ActorContext<Command> ctx, ContainerLifecycle lifecycle, ContainerOperations ops,
                                Executor blocking, ActorRef<Event> parent, TimerScheduler<Command> timers) {
        super(ctx);
        this.lifecycle = lifecycle;
        this.ops = ops;
        this.blocking = blocking;
        this.parent = parent;
        this.timers = timers;
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Outcome.class, this::onOutcome)
                .onMessage(RestartTimer.class, m -> apply(lifecycle.handle(new LifecycleEvent.RestartDue(m.run()))))
                .onMessage(Stop.class, this::onStop)
                .onMessage(Wait.class, this::onWait)
                .onMessage(Remove.class, this::onRemove)
                .build();
    }

    private Behavior<Command> onOutcome(Outcome m) {
        if (m.event() instanceof LifecycleEvent.ImageResolved r) {
            parent.tell(new ImageReady(lifecycle.identity().id(), r.image()));
        }
        return apply(lifecycle.handle(m.event()));
    }

    private Behavior<Command> onStop(Stop m) {
        if (lifecycle.phase().terminal()) {
            apply(lifecycle.handle(new LifecycleEvent.StopRequested(m.grace(), m.reason())));
            m.replyTo().tell(StatusReply.success(lifecycle.view()));
            return this;
        }
        endWaiters.add(m.replyTo());
        return apply(lifecycle.handle(new LifecycleEvent.StopRequested(m.grace(), m.reason())));
    }

    private Behavior<Command> onWait(Wait m) {
        if (lifecycle.phase().terminal()) {
            m.replyTo().tell(StatusReply.success(lifecycle.view()));
        } else {
            endWaiters.add(m.replyTo());
        }
        return this;
    }

    private Behavior<Command> onRemove(Remove m) {
        var refusal = lifecycle.removalRefusal(m.force());
        if (refusal.isPresent()) {
            m.replyTo().tell(StatusReply.error(new ContainerConflictException(refusal.get())));
            return this;
        }
        removeWaiters.add(m.replyTo());
        return apply(lifecycle.handle(new LifecycleEvent.RemoveRequested(m.force())));
    }

    /**
     * Carries out the effects in order; returns the next behavior (stopped once removed). An
     * outcome known at once (a warm start's cached image) is handled right after them, without a
     * trip through the mailbox. The record is written last, as it stood at the Persist effect: a
     * warm start's launch is then under way on a blocking thread while it is written (the launch
     * needs nothing from it); a teardown, which deletes the record, waits for the write.
     */
    private Behavior<Command> apply(List<LifecycleEffect> effects) {
        applying++;
        try {
            return carryOut(effects);
        } finally {
            if (--applying == 0) {
                writeRecord();
            }
        }
    }

    private Behavior<Command> carryOut(List<LifecycleEffect> effects) {
        String id = lifecycle.identity().id();
        Outcome known = null;
        for (LifecycleEffect e : effects) {
            if (e instanceof LifecycleEffect.ResolveImage r) {
                var cached = ops.cachedImage(r.reference(), r.manifest());
                if (cached.isPresent()) {
                    // a warm start: no trip to a blocking thread
                    known = new Outcome(new LifecycleEvent.ImageResolved(cached.get()));
                } else {
                    pipe(() -> new LifecycleEvent.ImageResolved(ops.resolveImage(r.reference(), r.manifest())),
                            err -> new LifecycleEvent.ImageFailed(err));
                }
            } else if (e instanceof LifecycleEffect.Launch l) {
                ContainerLifecycle.Identity who = lifecycle.identity();
                pipe(() -> {
                    ContainerOperations.Started s = ops.launch(who, l.run(), l.image());
                    return new LifecycleEvent.Launched(l.run(), s.handle(), s.stopSignal(), s.command());
                }, err -> new LifecycleEvent.LaunchFailed(l.run(), err));
            } else if (e instanceof LifecycleEffect.Watch w) {
                getContext().pipeToSelf(ops.watch(id), (exit, err) -> new Outcome(new LifecycleEvent.Exited(w.run(),
                        exit != null ? exit : ContainerExit.unknown("watching the process failed: " + message(err),
                                java.time.Instant.now()))));
            } else if (e instanceof LifecycleEffect.Stop s) {
                CompletableFuture.runAsync(() -> ops.stop(id, s.signal(), s.grace()), blocking).whenComplete((v, err) -> {
                    if (err != null) {
                        // the exit still arrives through Watch; a signal that raced the exit is no error
                        org.slf4j.LoggerFactory.getLogger(ContainerSupervisor.class)
                                .warn("stopping container {}: {}", id, message(err));
                    }
                });
            } else if (e instanceof LifecycleEffect.ArmRestart a) {
                timers.startSingleTimer(RESTART_TIMER, new RestartTimer(a.run()), a.delay());
            } else if (e instanceof LifecycleEffect.CancelRestart) {
                timers.cancel(RESTART_TIMER);
            } else if (e instanceof LifecycleEffect.Persist) {
                unwritten = lifecycle.record();
            } else if (e instanceof LifecycleEffect.Publish) {
                parent.tell(new Changed(lifecycle.view()));
            } else if (e instanceof LifecycleEffect.Finished) {
                ContainerView view = lifecycle.view();
                endWaiters.forEach(w -> w.tell(StatusReply.success(view)));
                endWaiters.clear();
            } else if (e instanceof LifecycleEffect.Teardown) {
                writeRecord();
                pipe(() -> {
                    ops.teardown(id);
                    return new LifecycleEvent.TornDown();
                }, LifecycleEvent.TeardownFailed::new);
            } else if (e instanceof LifecycleEffect.RemoveFailed f) {
                removeWaiters.forEach(w -> w.tell(StatusReply.error(new ContainerConflictException(
                        "remove container " + lifecycle.identity().name() + ": " + f.error()))));
                removeWaiters.clear();
            } else if (e instanceof LifecycleEffect.Removed) {
                ContainerView view = lifecycle.view();
                endWaiters.forEach(w -> w.tell(StatusReply.success(view)));
                parent.tell(new Gone(id));
                removeWaiters.forEach(w -> w.tell(StatusReply.ack()));
                unwritten = null; // the teardown deleted the record
                return Behaviors.stopped();
            } else {
                throw new IllegalStateException("unknown effect " + e);
            }
        }
        return known != null ? onOutcome(known) : this;
    }

    private void writeRecord() {
        if (unwritten == null) {
            return;
        }
        ContainerRecord r = unwritten;
        unwritten = null;
        try {
            ops.persist(r);
        } catch (RuntimeException ex) {
            getContext().getLog().error("container {}: cannot write its record: {}", r.id(), ex.getMessage());
        }
    }

    @FunctionalInterface
    private interface Work {
        LifecycleEvent run() throws Exception;
    }

    private void pipe(Work work, java.util.function.Function<String, LifecycleEvent> onError) {
        CompletableFuture<LifecycleEvent> f = CompletableFuture.supplyAsync(() -> {
            try {
                return work.run();
            } catch (Exception ex) {
                throw new CompletionException(ex);
            }
        }, blocking);
        getContext().pipeToSelf(f, (event, err) -> new Outcome(event != null ? event : onError.apply(message(err))));
    }

    private static String message(Throwable err) {
        Throwable t = err;
        while ((t instanceof CompletionException || t instanceof java.util.concurrent.ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage() != null ? t.getMessage() : t.toString();
    }
}
