package io.gantry.scheduler.actor;

import com.typesafe.config.ConfigFactory;
import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.protocol.cluster.AgentReport;
import io.gantry.protocol.cluster.AllocationStatusChanged;
import io.gantry.protocol.cluster.ImageLayersResolved;
import io.gantry.protocol.cluster.LayersChanged;
import io.gantry.protocol.cluster.NodeUsage;
import io.gantry.protocol.cluster.ReconcileReport;
import io.gantry.protocol.cluster.RegisterNode;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.node.NodeId;
import io.gantry.scheduler.core.Outcome;
import io.gantry.scheduler.core.SchedulerCommand;
import io.gantry.scheduler.core.SchedulerCore;
import io.gantry.scheduler.core.SchedulerEffect;
import io.gantry.scheduler.core.SchedulerEvent;
import io.gantry.scheduler.core.SchedulerReply;
import io.gantry.scheduler.core.SchedulerState;
import io.gantry.scheduler.core.StateSnapshot;
import io.gantry.scheduler.metrics.MetricsSnapshot;
import io.gantry.scheduler.placement.ImageLayer;
import io.gantry.scheduler.view.AllocationView;
import io.gantry.scheduler.view.ChangeFeed;
import io.gantry.scheduler.view.JobDetail;
import io.gantry.scheduler.view.JobSummary;
import io.gantry.scheduler.view.NodeDetail;
import io.gantry.scheduler.view.NodeSummary;
import io.gantry.scheduler.view.SchedulerChange;
import io.gantry.scheduler.view.SchedulerViews;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.NoSerializationVerificationNeeded;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.BehaviorInterceptor;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.TypedActorContext;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.pubsub.Topic;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.persistence.Persistence;
import org.apache.pekko.persistence.SnapshotProtocol;
import org.apache.pekko.persistence.typed.DeleteSnapshotsFailed;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.SnapshotFailed;
import org.apache.pekko.persistence.typed.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EffectBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.Recovery;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * The scheduler as a cluster singleton: an event-sourced shell around {@link SchedulerCore}.
 *
 * <h2>One command</h2>
 * A command comes in (a REST call, an agent's report, a member leaving, a tick) → the core
 * decides, changing the state and returning events and effects → the events are persisted →
 * only then are the effects carried out: commands to the agents (stamped with the epoch), the
 * reply (so a job is acknowledged only once its {@code JobSubmitted} is durable), a wake-up
 * timer, and the changes published to {@code GET /v1/events}. While events are being written,
 * Pekko stashes the next commands, so every decision sees the state of the previous one.
 *
 * <h2>State applied exactly once</h2>
 * The core applies each event to the state as it emits it (later decisions in the same command
 * need them). Pekko then hands the same events to the event handler, which must not apply them a
 * second time; during recovery, the handler must apply them. The shell therefore remembers the
 * events the core already applied, by identity, and the handler skips exactly those: a replayed
 * event is a fresh object from the journal and is applied.
 *
 * <h2>Incarnations</h2>
 * Recovery replays the latest snapshot and the events after it. Then the actor sends itself
 * {@code Start}: the core's {@code recover} starts the next epoch ({@code EpochStarted}) and
 * reconciles every job; commands that arrive before the epoch is durable are stashed. The actor
 * registers itself with the receptionist under {@link #SERVICE_KEY}: agents watch that listing
 * and register again ({@code RegisterNode}) whenever a new incarnation appears, which is how it
 * learns their ActorRefs (kept in memory only; a node whose agent does not come back within the
 * re-registration grace is taken as down by the core).
 *
 * <h2>Messages</h2>
 * The singleton's message type is {@code Object}: the API {@link Command}s and the agents'
 * {@link AgentReport}s (which live in the protocol and cannot extend {@code Command}); an
 * interceptor wraps the latter. Cluster membership comes from a subscription: a member removed
 * or downed takes its agents' nodes down.
 */
public final class SchedulerActor extends EventSourcedBehavior<SchedulerActor.Command, SchedulerEvent,
        SchedulerActor.Shell> {

    /** The singleton's name (its proxy is found by it on every node). */
    public static final String SINGLETON_NAME = "gantry-scheduler";
    public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("gantry-scheduler");
    /**
     * Where the running scheduler incarnation is listed. Agents subscribe to this key (creating
     * the same key themselves: {@code ServiceKey.create(AgentReport.class, "gantry-scheduler")})
     * and send {@code RegisterNode} whenever the listing shows a scheduler they have not
     * registered with.
     */
    public static final ServiceKey<AgentReport> SERVICE_KEY = ServiceKey.create(AgentReport.class, "gantry-scheduler");
    /** The pub-sub topic of {@link SchedulerChange}s, one topic actor per subscribing node. */
    public static final String CHANGES_TOPIC = "gantry-scheduler-changes";

    public sealed interface Command {
    }

    // ---- The API, asked from the REST layer on any node

    /** Create or update a job; answered once {@code JobSubmitted} is durable (or the rejection). */
    public record SubmitJob(JobSpec spec, ActorRef<CommandResult> replyTo) implements Command, SchedulerMessage {
        public SubmitJob {
            Objects.requireNonNull(spec, "spec");
            Objects.requireNonNull(replyTo, "replyTo");
        }
    }

    public record StopJob(String jobId, ActorRef<CommandResult> replyTo) implements Command, SchedulerMessage {
    }

    public record ScaleJob(String jobId, int count, ActorRef<CommandResult> replyTo)
            implements Command, SchedulerMessage {
    }

    public record DrainNode(String nodeId, ActorRef<CommandResult> replyTo) implements Command, SchedulerMessage {
    }

    public record GetJobs(ActorRef<JobList> replyTo) implements Command, SchedulerMessage {
    }

    public record GetJob(String jobId, ActorRef<JobAnswer> replyTo) implements Command, SchedulerMessage {
    }

    public record GetAllocation(String allocationId, ActorRef<AllocationAnswer> replyTo)
            implements Command, SchedulerMessage {
    }

    public record GetNodes(ActorRef<NodeList> replyTo) implements Command, SchedulerMessage {
    }

    public record GetNode(String nodeId, ActorRef<NodeAnswer> replyTo) implements Command, SchedulerMessage {
    }

    public record GetMetrics(ActorRef<MetricsAnswer> replyTo) implements Command, SchedulerMessage {
    }

    // ---- Answers

    /** The core's answer to a user command, sent once the events it caused are durable. */
    public record CommandResult(SchedulerReply reply) implements SchedulerMessage {
    }

    public record JobList(List<JobSummary> jobs) implements SchedulerMessage {
        public JobList {
            jobs = List.copyOf(jobs);
        }
    }

    public record JobAnswer(Optional<JobDetail> job) implements SchedulerMessage {
    }

    public record AllocationAnswer(Optional<AllocationView> allocation) implements SchedulerMessage {
    }

    public record NodeList(List<NodeSummary> nodes) implements SchedulerMessage {
        public NodeList {
            nodes = List.copyOf(nodes);
        }
    }

    public record NodeAnswer(Optional<NodeDetail> node) implements SchedulerMessage {
    }

    public record MetricsAnswer(MetricsSnapshot metrics) implements SchedulerMessage {
    }

    // ---- Local messages (never cross the network)

    /** An agent's report, wrapped by the interceptor in {@link #create}. */
    private record FromAgent(AgentReport report) implements Command, NoSerializationVerificationNeeded {
    }

    /** Recovery is complete: start the next epoch. */
    private record Start() implements Command, NoSerializationVerificationNeeded {
    }

    private record Tick() implements Command, NoSerializationVerificationNeeded {
    }

    /** The singleton is handed over to another node (the singleton manager's stop message). */
    private record Passivate() implements Command, NoSerializationVerificationNeeded {
    }

    /** A cluster member was removed or downed: the nodes whose agents ran there are down. */
    private record MemberGone(Address address, String reason) implements Command, NoSerializationVerificationNeeded {
    }

    private record Ignored() implements Command, NoSerializationVerificationNeeded {
    }

    private enum TimerKey { TICK, WAKE_UP }

    /**
     * The state Pekko keeps for the actor: the core's state plus the events the core has
     * applied and Pekko is about to hand to the event handler (see the class comment).
     */
    static final class Shell {
        final SchedulerState state;
        private final ArrayDeque<SchedulerEvent> alreadyApplied = new ArrayDeque<>();
        /** The epoch of this incarnation is durable: commands are handled, not stashed. */
        boolean started;
        /** The sequence number of the latest snapshot (taken, or recovered from; 0 for none). */
        long lastSnapshot;

        Shell(SchedulerState state, long lastSnapshot) {
            this.state = state;
            this.lastSnapshot = lastSnapshot;
        }

        void appliedByCore(List<SchedulerEvent> events) {
            alreadyApplied.addAll(events);
        }

        Shell onEvent(SchedulerEvent event) {
            if (!alreadyApplied.isEmpty() && alreadyApplied.peekFirst() == event) {
                alreadyApplied.removeFirst();
            } else {
                state.apply(event);
            }
            return this;
        }
    }

    /** The singleton's behavior: the scheduler, restarted (and so recovered) after any failure. */
    public static Behavior<Object> create(SchedulerSettings settings, Clock clock) {
        Behavior<Object> scheduler = Behaviors.withTimers(timers -> Behaviors.intercept(AgentReports::new,
                Behaviors.<Command>setup(ctx -> new SchedulerActor(ctx, timers, settings, clock))));
        return Behaviors.supervise(scheduler).onFailure(
                SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
    }

    /** The message the singleton manager sends to stop the scheduler when it hands it over. */
    public static Object stopMessage() {
        return new Passivate();
    }

    private final ActorContext<Command> ctx;
    private final TimerScheduler<Object> timers;
    private final SchedulerSettings settings;
    private final Clock clock;
    private final SchedulerCore core;
    private final Map<NodeId, ActorRef<AgentCommand>> agents = new HashMap<>();
    private final Map<NodeId, Address> agentAddresses = new HashMap<>();
    private final Map<NodeId, NodeUsage> usage = new HashMap<>();
    private final SchedulerMetrics metrics = new SchedulerMetrics();
    private final ChangeFeed changes = new ChangeFeed(0);
    private final ActorRef<Topic.Command<SchedulerChange>> topic;
    private final Address selfAddress;
    private final SnapshotRetention retention;
    private Instant wakeUpAt;

    private SchedulerActor(ActorContext<Command> ctx, TimerScheduler<Object> timers, SchedulerSettings settings,
                           Clock clock) {
        super(PERSISTENCE_ID, SupervisorStrategy.restartWithBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 0.2));
        this.ctx = ctx;
        this.timers = timers;
        this.settings = settings;
        this.clock = clock;
        this.core = new SchedulerCore(settings.core());
        this.topic = ctx.spawn(Topic.create(SchedulerChange.class, CHANGES_TOPIC), "changes");
        this.selfAddress = Cluster.get(ctx.getSystem()).selfMember().address();
        this.retention = new SnapshotRetention(settings.keepSnapshots());
        ActorRef<ClusterEvent.MemberEvent> members = ctx.messageAdapter(ClusterEvent.MemberEvent.class,
                SchedulerActor::membership);
        Cluster.get(ctx.getSystem()).subscriptions().tell(Subscribe.create(members, ClusterEvent.MemberEvent.class));
        timers.startTimerAtFixedRate(TimerKey.TICK, new Tick(), settings.tickInterval());
    }

    private static Command membership(ClusterEvent.MemberEvent event) {
        if (event instanceof ClusterEvent.MemberRemoved r) {
            return new MemberGone(r.member().address(), "member " + r.member().address()
                    + " was removed from the cluster (" + r.previousStatus() + ")");
        }
        if (event instanceof ClusterEvent.MemberDowned d) {
            return new MemberGone(d.member().address(), "member " + d.member().address() + " was downed");
        }
        return new Ignored();
    }

    @Override
    public Shell emptyState() {
        return new Shell(new SchedulerState(), 0);
    }

    /** Snapshots are decided by {@link #shouldSnapshot}, and old ones deleted by {@link SnapshotRetention}. */
    @Override
    public RetentionCriteria retentionCriteria() {
        return RetentionCriteria.disabled();
    }

    /** After each persisted event: the snapshot policy, with an interval that grows with the state. */
    @Override
    public boolean shouldSnapshot(Shell shell, SchedulerEvent event, long sequenceNr) {
        if (!settings.snapshots().due(shell.lastSnapshot, sequenceNr, shell.state)) {
            return false;
        }
        shell.lastSnapshot = sequenceNr;
        return true;
    }

    /**
     * Asks the snapshot store to delete the snapshots up to {@code maxSequenceNr}, as Pekko's own
     * retention does (the same request, answered to this actor as a DeleteSnapshotsCompleted or
     * DeleteSnapshotsFailed signal). The store's reference comes from the Persistence extension,
     * as Pekko's typed persistence gets it itself: the typed API has no call for this.
     */
    private void deleteSnapshots(long maxSequenceNr) {
        org.apache.pekko.actor.ActorRef store = Persistence.get(Adapter.toClassic(ctx.getSystem()))
                .snapshotStoreFor(snapshotPluginId(), ConfigFactory.empty());
        store.tell(new SnapshotProtocol.DeleteSnapshots(PERSISTENCE_ID.id(),
                org.apache.pekko.persistence.SnapshotSelectionCriteria.create(maxSequenceNr, Long.MAX_VALUE)),
                Adapter.toClassic(ctx.getSelf()));
    }

    @Override
    public Recovery recovery() {
        return settings.recoverFromSnapshot() ? super.recovery()
                : Recovery.withSnapshotSelectionCriteria(SnapshotSelectionCriteria.none());
    }

    /** Snapshots are immutable copies, taken on the actor's thread before the store writes them. */
    @Override
    public SnapshotAdapter<Shell> snapshotAdapter() {
        return new SnapshotAdapter<>() {
            @Override
            public Object toJournal(Shell shell) {
                return shell.state.toSnapshot();
            }

            @Override
            public Shell fromJournal(Object from) {
                // Each journal event is applied once, so the events a state has applied are the
                // sequence number it was snapshotted at.
                SchedulerState restored = SchedulerState.restore((StateSnapshot) from);
                return new Shell(restored, restored.eventsApplied());
            }
        };
    }

    @Override
    public EventHandler<Shell, SchedulerEvent> eventHandler() {
        return Shell::onEvent;
    }

    @Override
    public SignalHandler<Shell> signalHandler() {
        return newSignalHandlerBuilder()
                .onSignal(RecoveryCompleted.instance(), shell -> {
                    ctx.getLog().info("scheduler recovered: {} events applied, epoch {}; starting epoch {}",
                            shell.state.eventsApplied(), shell.state.epoch(), shell.state.epoch() + 1);
                    retention.recoveredFrom(shell.lastSnapshot);
                    ctx.getSelf().tell(new Start());
                })
                .onSignal(SnapshotCompleted.class, (shell, done) -> {
                    ctx.getLog().debug("scheduler snapshot after {} events written", done.metadata().sequenceNr());
                    retention.written(done.metadata().sequenceNr()).ifPresent(this::deleteSnapshots);
                })
                .onSignal(SnapshotFailed.class, (shell, failed) ->
                        ctx.getLog().warn("scheduler snapshot after {} events failed (the journal still has every"
                                + " event): {}", failed.metadata().sequenceNr(), failed.getFailure().getMessage()))
                .onSignal(DeleteSnapshotsFailed.class, (shell, failed) ->
                        ctx.getLog().warn("deleting old scheduler snapshots failed: {}", failed.getFailure().getMessage()))
                .onSignal(RecoveryFailed.class, (shell, failed) ->
                        ctx.getLog().error("scheduler recovery from its journal failed; retrying", failed.getFailure()))
                .build();
    }

    @Override
    public CommandHandler<Command, SchedulerEvent, Shell> commandHandler() {
        return this::onCommand;
    }

    private Effect<SchedulerEvent, Shell> onCommand(Shell shell, Command command) {
        if (command instanceof Passivate) {
            return Effect().stop();
        }
        if (!shell.started) {
            if (command instanceof Start) {
                return start(shell);
            }
            // Ticks are dropped, everything else waits until this incarnation's epoch is durable.
            return command instanceof Tick || command instanceof Ignored ? Effect().none() : Effect().stash();
        }
        if (command instanceof SubmitJob c) {
            return decide(shell, new SchedulerCommand.SubmitJob(c.spec()), c.replyTo());
        } else if (command instanceof StopJob c) {
            return decide(shell, new SchedulerCommand.StopJob(c.jobId()), c.replyTo());
        } else if (command instanceof ScaleJob c) {
            return decide(shell, new SchedulerCommand.ScaleJob(c.jobId(), c.count()), c.replyTo());
        } else if (command instanceof DrainNode c) {
            Optional<NodeId> node = nodeId(c.nodeId());
            if (node.isEmpty()) {
                c.replyTo().tell(new CommandResult(new SchedulerReply.Rejected(SchedulerReply.Rejected.Kind.NOT_FOUND,
                        "node " + c.nodeId() + " is not registered", List.of())));
                return Effect().none();
            }
            return decide(shell, new SchedulerCommand.DrainNode(node.get()), c.replyTo());
        } else if (command instanceof FromAgent c) {
            return fromAgent(shell, c.report());
        } else if (command instanceof MemberGone c) {
            return memberGone(shell, c);
        } else if (command instanceof Tick) {
            if (wakeUpAt != null && !wakeUpAt.isAfter(clock.instant())) {
                wakeUpAt = null;
            }
            return decide(shell, new SchedulerCommand.Tick(), null);
        } else if (command instanceof GetJobs c) {
            c.replyTo().tell(new JobList(SchedulerViews.jobs(shell.state)));
        } else if (command instanceof GetJob c) {
            c.replyTo().tell(new JobAnswer(SchedulerViews.job(shell.state, c.jobId())));
        } else if (command instanceof GetAllocation c) {
            c.replyTo().tell(new AllocationAnswer(SchedulerViews.allocation(shell.state, c.allocationId())));
        } else if (command instanceof GetNodes c) {
            c.replyTo().tell(new NodeList(SchedulerViews.nodes(shell.state, usage)));
        } else if (command instanceof GetNode c) {
            c.replyTo().tell(new NodeAnswer(SchedulerViews.node(shell.state, c.nodeId(), usage)));
        } else if (command instanceof GetMetrics c) {
            c.replyTo().tell(new MetricsAnswer(metrics.snapshot(shell.state)));
        }
        return Effect().none(); // Start again (a restart's leftover), Ignored
    }

    private Effect<SchedulerEvent, Shell> start(Shell shell) {
        Outcome o = core.recover(shell.state, clock.instant());
        ctx.getSystem().receptionist().tell(Receptionist.register(SERVICE_KEY, agentFacingSelf()));
        return execute(shell, List.of(o), null, System.nanoTime())
                .thenRun(() -> {
                    shell.started = true;
                    ctx.getLog().info("scheduler epoch {} started ({} jobs, {} nodes known)", shell.state.epoch(),
                            shell.state.jobs().size(), shell.state.nodes().size());
                })
                .thenUnstashAll();
    }

    /** This actor as agents address it: the interceptor accepts their reports. */
    private ActorRef<AgentReport> agentFacingSelf() {
        ActorRef<Object> any = ctx.getSelf().unsafeUpcast();
        return any.narrow();
    }

    private Effect<SchedulerEvent, Shell> fromAgent(Shell shell, AgentReport report) {
        if (report instanceof RegisterNode r) {
            agents.put(r.nodeId(), r.agent());
            Address a = r.agent().path().address();
            agentAddresses.put(r.nodeId(), a.hasGlobalScope() ? a : selfAddress);
            return decide(shell, new SchedulerCommand.RegisterNode(r.node(), r.epochSeen()), null);
        } else if (report instanceof AllocationStatusChanged s) {
            return decide(shell, new SchedulerCommand.ReportAllocation(s.nodeId(), s.epoch(), s.status()), null);
        } else if (report instanceof ReconcileReport r) {
            return decide(shell, new SchedulerCommand.ReportReconcile(r.nodeId(), r.epoch(), r.allocations()), null);
        } else if (report instanceof LayersChanged l) {
            return decide(shell, new SchedulerCommand.ReportLayers(l.nodeId(), l.added(), l.removed()), null);
        } else if (report instanceof ImageLayersResolved i) {
            // the core persists only what is new: the same image resolved again is no event
            List<ImageLayer> layers = i.layers().stream().map(l -> new ImageLayer(l.digest(), l.size())).toList();
            return decide(shell, new SchedulerCommand.LearnImageLayers(i.image(), layers), null);
        } else if (report instanceof NodeUsage u) {
            usage.put(u.nodeId(), u);
        }
        return Effect().none();
    }

    private Effect<SchedulerEvent, Shell> memberGone(Shell shell, MemberGone gone) {
        List<Outcome> outcomes = new ArrayList<>();
        long started = System.nanoTime();
        for (NodeId node : List.copyOf(agentAddresses.keySet())) {
            if (agentAddresses.get(node).equals(gone.address())) {
                agents.remove(node);
                agentAddresses.remove(node);
                usage.remove(node);
                metrics.command();
                outcomes.add(core.handle(shell.state, clock.instant(), new SchedulerCommand.NodeDown(node, gone.reason())));
            }
        }
        if (outcomes.isEmpty()) {
            return Effect().none();
        }
        ctx.getLog().info("{}: taking its node(s) down", gone.reason());
        return execute(shell, outcomes, null, started);
    }

    private Effect<SchedulerEvent, Shell> decide(Shell shell, SchedulerCommand command,
                                                 ActorRef<CommandResult> replyTo) {
        if (!(command instanceof SchedulerCommand.Tick)) {
            metrics.command();
        }
        long started = System.nanoTime();
        Outcome o = core.handle(shell.state, clock.instant(), command);
        return execute(shell, List.of(o), replyTo, started);
    }

    /**
     * Persists what the outcomes' events (already applied by the core), then carries out their
     * effects in order. Several outcomes are persisted as one atomic batch.
     */
    private EffectBuilder<SchedulerEvent, Shell> execute(Shell shell, List<Outcome> outcomes,
                                                         ActorRef<CommandResult> replyTo, long decideStarted) {
        List<SchedulerEvent> events = new ArrayList<>();
        outcomes.forEach(o -> events.addAll(o.events()));
        metrics.decided(events, System.nanoTime() - decideStarted, shell.state);
        if (events.isEmpty()) {
            carryOut(shell, outcomes, replyTo, events);
            return Effect().none();
        }
        shell.appliedByCore(events);
        long persistStarted = System.nanoTime();
        return Effect().persist(events).thenRun(() -> {
            metrics.persisted(events.size(), System.nanoTime() - persistStarted);
            carryOut(shell, outcomes, replyTo, events);
        });
    }

    private void carryOut(Shell shell, List<Outcome> outcomes, ActorRef<CommandResult> replyTo,
                          List<SchedulerEvent> persisted) {
        for (Outcome o : outcomes) {
            for (SchedulerEffect effect : o.effects()) {
                if (effect instanceof SchedulerEffect.SendToNode s) {
                    send(s.node(), s.command());
                } else if (effect instanceof SchedulerEffect.Reply r) {
                    if (replyTo != null) {
                        replyTo.tell(new CommandResult(r.reply()));
                    }
                } else if (effect instanceof SchedulerEffect.WakeUpAt w) {
                    wakeUp(w.at());
                }
            }
        }
        if (!persisted.isEmpty()) {
            for (SchedulerChange c : changes.describe(persisted, shell.state)) {
                topic.tell(Topic.publish(c));
            }
        }
    }

    private void send(NodeId node, AgentCommand command) {
        ActorRef<AgentCommand> agent = agents.get(node);
        if (agent == null) {
            // Not registered with this incarnation (yet): the core resends unanswered commands at
            // its ticks, and a node that never comes back is taken down after the grace period.
            metrics.undeliverable();
            ctx.getLog().debug("no agent registered for node {}; {} not sent", node, command.getClass().getSimpleName());
            return;
        }
        metrics.sent();
        agent.tell(command);
    }

    private void wakeUp(Instant at) {
        Instant now = clock.instant();
        if (wakeUpAt != null && wakeUpAt.isAfter(now) && !at.isBefore(wakeUpAt)) {
            return; // an earlier wake-up is armed
        }
        wakeUpAt = at;
        Duration delay = Duration.between(now, at);
        timers.startSingleTimer(TimerKey.WAKE_UP, new Tick(), delay.isNegative() ? Duration.ZERO : delay);
    }

    private static Optional<NodeId> nodeId(String id) {
        try {
            return Optional.of(NodeId.of(id));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Lets the agents' reports (protocol records) in as {@link FromAgent}; everything else passes
     * through untouched, the event-sourced behavior's own journal replies and timers included.
     */
    private static final class AgentReports extends BehaviorInterceptor<Object, Command> {
        AgentReports() {
            super(Object.class);
        }

        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        public Behavior<Command> aroundReceive(TypedActorContext<Object> context, Object message,
                                               ReceiveTarget<Command> target) {
            Object inner = message instanceof AgentReport r ? new FromAgent(r) : message;
            return ((ReceiveTarget) target).apply(context, inner);
        }
    }
}
