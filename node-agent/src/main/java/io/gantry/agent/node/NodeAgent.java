package io.gantry.agent.node;

import io.gantry.agent.container.ContainerConflictException;
import io.gantry.agent.container.ContainerException;
import io.gantry.agent.container.ContainerRequest;
import io.gantry.agent.container.ContainerUnavailableException;
import io.gantry.agent.container.ContainerView;
import io.gantry.agent.container.ResolvedImage;
import io.gantry.agent.supervision.ContainerLifecycle;
import io.gantry.agent.supervision.ContainerOperations;
import io.gantry.agent.supervision.ContainerRecord;
import io.gantry.agent.supervision.ContainerSupervisor;
import io.gantry.agent.supervision.LifecycleEvent;
import io.gantry.agent.runtime.ContainerStatus;
import io.gantry.layercache.content.ContentListener;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.protocol.cluster.AgentReport;
import io.gantry.protocol.cluster.AllocationStatusChanged;
import io.gantry.protocol.cluster.ImageLayersResolved;
import io.gantry.protocol.cluster.LayersChanged;
import io.gantry.protocol.cluster.NodeRegistered;
import io.gantry.protocol.cluster.NodeUsage;
import io.gantry.protocol.cluster.ReconcileReport;
import io.gantry.protocol.cluster.ReconcileRequest;
import io.gantry.protocol.cluster.RegisterNode;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.oci.Digest;
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

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.random.RandomGenerator;

/**
 * The agent of one node: it owns a {@link ContainerSupervisor} per container and is the one
 * door to them, for the node's REST API (local containers) and for the scheduler (allocations).
 *
 * <p>Scheduler commands are fenced by epoch ({@link EpochFence}): a command from an older
 * scheduler incarnation than the newest one the agent has obeyed is dropped. The agent
 * registers ({@link RegisterNode}) whenever a scheduler appears or moves
 * ({@link SchedulerChanged}), repeating it until the scheduler answers {@link NodeRegistered};
 * allocation changes are reported as {@link AllocationStatusChanged} while a scheduler is known.
 *
 * <p>Besides, for placement: the blobs the node gains and loses ({@link BlobCommitted},
 * {@link BlobDeleted}, from the content store's {@link #contentListener}) go to the scheduler as
 * one {@link LayersChanged} per {@code layer-report-interval} with the net difference
 * ({@link LayerChanges}); the layers of each image an allocation resolved go as
 * {@link ImageLayersResolved}, keyed by the job spec's image string, once per scheduler and image;
 * and every {@code usage-interval} what the running containers use, measured off the actor by the
 * {@link UsageMeter}, goes as {@link NodeUsage}. All of it only while registered: a registration
 * carries the whole set of blobs anyway.
 *
 * <p>The actor decides little itself: names and prefixes are the {@link ContainerIndex}'s, the
 * allocation reports {@link AllocationReports}', a container's life its supervisor's.
 */
public final class NodeAgent extends AbstractBehavior<NodeAgent.Command> {

    public sealed interface Command extends NoSerializationVerificationNeeded {
    }

    /** Create and start a local container; answered once it is created (it starts on its own). */
    public record Create(ContainerRequest request, ActorRef<StatusReply<ContainerView>> replyTo) implements Command {
    }

    /** Create and start a local container; answered once it has ended for good (docker run, attached). */
    public record Run(ContainerRequest request, ActorRef<StatusReply<ContainerView>> replyTo) implements Command {
    }

    public record ListContainers(boolean all, ActorRef<List<ContainerView>> replyTo) implements Command {
    }

    /** {@code reference}: id, name or unique id prefix. */
    public record Inspect(String reference, ActorRef<StatusReply<ContainerView>> replyTo) implements Command {
    }

    /** Stop; answered when it has stopped. Empty grace: the container's own stop timeout. */
    public record Stop(String reference, Optional<Duration> grace, ActorRef<StatusReply<ContainerView>> replyTo)
            implements Command {
    }

    /** Answered once the container has ended for good (no restart due), or has been removed. */
    public record Wait(String reference, ActorRef<StatusReply<ContainerView>> replyTo) implements Command {
    }

    public record Remove(String reference, boolean force, ActorRef<StatusReply<Done>> replyTo) implements Command {
    }

    /** A scheduler appeared, moved (re-register) or went away (empty). */
    public record SchedulerChanged(Optional<ActorRef<AgentReport>> scheduler) implements Command {
    }

    /** The agent's registration, for health and tests. */
    public record GetStatus(ActorRef<AgentStatus> replyTo) implements Command {
    }

    public record AgentStatus(String nodeId, long epoch, boolean schedulerKnown, boolean registered, int containers)
            implements NoSerializationVerificationNeeded {
    }

    /** The node's content store committed a blob: the node holds it now. */
    public record BlobCommitted(Digest digest) implements Command {
    }

    /** The node's content store deleted a blob (gc). */
    public record BlobDeleted(Digest digest) implements Command {
    }

    /** A container found in the state directory at start, with what the runtime said about it. */
    public record Recovered(ContainerRecord record, Optional<ContainerStatus> runtime) {
    }

    private record FromScheduler(AgentCommand command) implements Command {
    }

    private record FromSupervisor(ContainerSupervisor.Event event) implements Command {
    }

    private record RegisterWith(NodeInfo node) implements Command {
    }

    /** The node's HTTP address, once its port is bound: the agent registers only with it. */
    private record AddressKnown(String address) implements Command {
    }

    private record RegisterFailed(String error) implements Command {
    }

    private enum RegisterTick implements Command {
        INSTANCE
    }

    private enum ReportTick implements Command {
        LAYERS, USAGE
    }

    private record UsageMeasured(NodeResources used, int runningAllocations, Instant at) implements Command {
    }

    private record UsageFailed(String error) implements Command {
    }

    /**
     * What the agent is built from.
     *
     * @param nodeInfo the node's description for the scheduler, given its HTTP address (it lists
     *                 the blobs held, so it runs off the actor's thread)
     * @param address  the node's HTTP base URL, known once the port is bound
     * @param usage    measures what the running containers use, for {@link NodeUsage}
     */
    public record Setup(
            NodeAgentSettings settings,
            ContainerOperations operations,
            Optional<String> unavailable,
            java.util.function.Function<String, NodeInfo> nodeInfo,
            java.util.concurrent.CompletionStage<String> address,
            AgentState state,
            Executor blocking,
            Clock clock,
            RandomGenerator random,
            List<Recovered> recovered,
            UsageMeter usage) {
    }

    private static final String REGISTER_TIMER = "register";
    private static final String LAYERS_TIMER = "report-layers";
    private static final String USAGE_TIMER = "report-usage";

    /**
     * Tells {@code agent} of every blob a content store commits or deletes: add it to the store
     * whose blobs the node lists when it registers.
     */
    public static ContentListener contentListener(ActorRef<Command> agent) {
        return new ContentListener() {
            @Override
            public void committed(Digest digest, long size) {
                agent.tell(new BlobCommitted(digest));
            }

            @Override
            public void deleted(Digest digest) {
                agent.tell(new BlobDeleted(digest));
            }

            @Override
            public String toString() {
                return "the node agent's layer report";
            }
        };
    }

    private final Setup setup;
    private final TimerScheduler<Command> timers;
    private final ActorRef<AgentCommand> inbox;
    private final ActorRef<ContainerSupervisor.Event> supervisorEvents;
    private final ContainerIndex index = new ContainerIndex();
    private final Map<String, ActorRef<ContainerSupervisor.Command>> supervisors = new HashMap<>();
    private final AllocationReports reports = new AllocationReports();
    private final EpochFence fence;
    private Optional<ActorRef<AgentReport>> scheduler = Optional.empty();
    private Optional<String> address = Optional.empty();
    private boolean registered;
    private boolean registering;
    private final LayerChanges layerChanges = new LayerChanges();
    /** Per image reference, the layers told to the current scheduler: each is told once per scheduler. */
    private final Map<String, List<ImageLayersResolved.Layer>> imagesTold = new HashMap<>();
    private boolean measuring;

    public static Behavior<Command> create(Setup setup) {
        return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> new NodeAgent(ctx, timers, setup)));
    }

    private NodeAgent(ActorContext<Command> ctx, TimerScheduler<Command> timers, Setup setup) {
        super(ctx);
        this.setup = setup;
        this.timers = timers;
        this.inbox = ctx.messageAdapter(AgentCommand.class, FromScheduler::new);
        this.supervisorEvents = ctx.messageAdapter(ContainerSupervisor.Event.class, FromSupervisor::new);
        this.fence = new EpochFence(setup.state().epoch());
        ctx.pipeToSelf(setup.address(), (a, err) -> a != null ? new AddressKnown(a) : new RegisterFailed(
                "the node's HTTP address never became known: " + err));
        for (Recovered r : setup.recovered()) {
            ContainerLifecycle l = ContainerLifecycle.restore(r.record(),
                    ContainerLifecycle.trackerFor(r.record().spec(), setup.clock()), setup.clock());
            spawn(l, new LifecycleEvent.Recovered(r.runtime()));
        }
        if (!setup.recovered().isEmpty()) {
            ctx.getLog().info("node {}: {} container(s) recovered from the state directory", setup.settings().nodeId(),
                    setup.recovered().size());
        }
        Duration usageEvery = setup.settings().usageInterval();
        if (!usageEvery.isZero()) {
            timers.startTimerWithFixedDelay(USAGE_TIMER, ReportTick.USAGE, usageEvery);
        }
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Create.class, m -> onCreate(m.request(), m.replyTo(), false))
                .onMessage(Run.class, m -> onCreate(m.request(), m.replyTo(), true))
                .onMessage(ListContainers.class, m -> {
                    m.replyTo().tell(index.list(m.all()));
                    return this;
                })
                .onMessage(Inspect.class, m -> {
                    withContainer(m.reference(), m.replyTo(), id -> m.replyTo().tell(StatusReply.success(index.get(id).orElseThrow())));
                    return this;
                })
                .onMessage(Stop.class, this::onStop)
                .onMessage(Wait.class, m -> {
                    withContainer(m.reference(), m.replyTo(), id -> supervisors.get(id).tell(new ContainerSupervisor.Wait(m.replyTo())));
                    return this;
                })
                .onMessage(Remove.class, m -> {
                    withContainer(m.reference(), m.replyTo(), id -> supervisors.get(id).tell(new ContainerSupervisor.Remove(m.force(), m.replyTo())));
                    return this;
                })
                .onMessage(FromSupervisor.class, this::onSupervisor)
                .onMessage(FromScheduler.class, this::onScheduler)
                .onMessage(SchedulerChanged.class, this::onSchedulerChanged)
                .onMessage(RegisterTick.class, m -> register())
                .onMessage(AddressKnown.class, m -> {
                    address = Optional.of(m.address());
                    return register();
                })
                .onMessage(RegisterWith.class, this::onRegisterWith)
                .onMessage(RegisterFailed.class, m -> {
                    registering = false;
                    getContext().getLog().warn("cannot describe the node for registration: {}", m.error());
                    return this;
                })
                .onMessage(BlobCommitted.class, m -> {
                    layerChanges.committed(m.digest());
                    return scheduleLayerReport();
                })
                .onMessage(BlobDeleted.class, m -> {
                    layerChanges.deleted(m.digest());
                    return scheduleLayerReport();
                })
                .onMessage(ReportTick.class, m -> m == ReportTick.LAYERS ? reportLayers() : measureUsage())
                .onMessage(UsageMeasured.class, this::onUsageMeasured)
                .onMessage(UsageFailed.class, m -> {
                    measuring = false;
                    getContext().getLog().warn("cannot measure what the containers use: {}", m.error());
                    return this;
                })
                .onMessage(GetStatus.class, m -> {
                    m.replyTo().tell(new AgentStatus(setup.settings().nodeId().value(), fence.highest(), scheduler.isPresent(),
                            registered, index.size()));
                    return this;
                })
                .build();
    }

    // ------------------------------------------------------------------ local containers

    /** {@code untilEnd}: answer when the container has ended instead of when it is created. */
    private Behavior<Command> onCreate(ContainerRequest req, ActorRef<StatusReply<ContainerView>> replyTo, boolean untilEnd) {
        try {
            if (setup.unavailable().isPresent()) {
                throw new ContainerUnavailableException("this node cannot run containers: " + setup.unavailable().get());
            }
            ContainerRequest request = req.validated();
            String id = newId();
            String name = request.name().orElse(id.substring(0, 12));
            if (index.nameTaken(name)) {
                throw new ContainerConflictException("the container name '" + name + "' is already in use by container "
                        + index.resolve(name) + "; remove it or choose another name");
            }
            NodeAgentSettings s = setup.settings();
            JobSpec spec = request.toJobSpec(id, s.restartBackoff(), s.stopTimeout()).toBuilder().name(name).build();
            ContainerLifecycle l = new ContainerLifecycle(new ContainerLifecycle.Identity(id, name, spec, Optional.empty(),
                    Optional.empty(), request.autoRemove(), setup.clock().instant()),
                    ContainerLifecycle.trackerFor(spec, setup.clock()), setup.clock());
            ContainerView view = spawn(l, new LifecycleEvent.Start());
            if (untilEnd) {
                supervisors.get(id).tell(new ContainerSupervisor.Wait(replyTo));
            } else {
                replyTo.tell(StatusReply.success(view));
            }
        } catch (ContainerException e) {
            replyTo.tell(StatusReply.error(e));
        }
        return this;
    }

    private Behavior<Command> onStop(Stop m) {
        withContainer(m.reference(), m.replyTo(), id -> {
            ContainerView v = index.get(id).orElseThrow();
            Duration grace = m.grace().orElse(v.spec().stopTimeout());
            supervisors.get(id).tell(new ContainerSupervisor.Stop(grace, "stop requested", m.replyTo()));
        });
        return this;
    }

    /** Runs {@code action} with the id {@code reference} names, or answers the lookup's error. */
    private <T> void withContainer(String reference, ActorRef<StatusReply<T>> replyTo, java.util.function.Consumer<String> action) {
        String id;
        try {
            id = index.resolve(reference);
        } catch (ContainerException e) {
            replyTo.tell(StatusReply.error(e));
            return;
        }
        action.accept(id);
    }

    /** Starts supervising; returns the container's first view (taken before its supervisor runs). */
    private ContainerView spawn(ContainerLifecycle lifecycle, LifecycleEvent first) {
        ContainerView view = lifecycle.view();
        String id = view.id();
        ActorRef<ContainerSupervisor.Command> ref = getContext().spawn(
                ContainerSupervisor.create(lifecycle, first, setup.operations(), setup.blocking(), supervisorEvents), "c-" + id);
        supervisors.put(id, ref);
        index.put(view);
        return view;
    }

    private String newId() {
        while (true) {
            byte[] b = new byte[32];
            setup.random().nextBytes(b);
            String id = HexFormat.of().formatHex(b);
            if (index.get(id).isEmpty()) {
                return id;
            }
        }
    }

    private Behavior<Command> onSupervisor(FromSupervisor m) {
        if (m.event() instanceof ContainerSupervisor.Changed c) {
            if (supervisors.containsKey(c.view().id())) {
                index.put(c.view());
                report(c.view());
            }
        } else if (m.event() instanceof ContainerSupervisor.Gone g) {
            index.get(g.id()).flatMap(ContainerView::allocation).ifPresent(reports::forget);
            index.remove(g.id());
            supervisors.remove(g.id());
        } else if (m.event() instanceof ContainerSupervisor.ImageReady r) {
            index.get(r.id()).filter(v -> v.allocation().isPresent())
                    .ifPresent(v -> tellImageLayers(v.spec().image(), r.image()));
        }
        return this;
    }

    // ------------------------------------------------------------------ the scheduler

    private Behavior<Command> onScheduler(FromScheduler m) {
        AgentCommand c = m.command();
        EpochFence.Verdict verdict = fence.admit(c.epoch());
        if (verdict == EpochFence.Verdict.REJECT_STALE) {
            getContext().getLog().info("dropping {} of scheduler epoch {}: epoch {} is newer", c.getClass().getSimpleName(),
                    c.epoch(), fence.highest());
            return this;
        }
        if (verdict == EpochFence.Verdict.ACCEPT_NEWER) {
            try {
                setup.state().writeEpoch(fence.highest());
            } catch (RuntimeException e) {
                getContext().getLog().error("cannot persist scheduler epoch {}: {}", fence.highest(), e.getMessage());
            }
        }
        if (c instanceof NodeRegistered r) {
            registered = true;
            registering = false;
            timers.cancel(REGISTER_TIMER);
            getContext().getLog().info("node {} registered with the scheduler of epoch {}", r.nodeId(), r.epoch());
            scheduleLayerReport();
        } else if (c instanceof RunAllocation r) {
            runAllocation(r);
        } else if (c instanceof StopAllocation s) {
            stopAllocation(s.allocationId(), s.reason());
        } else if (c instanceof ReconcileRequest r) {
            reconcile(r);
        }
        return this;
    }

    private void runAllocation(RunAllocation r) {
        String id = r.allocationId().value();
        Optional<ContainerView> existing = index.get(id);
        if (existing.isPresent()) {
            AllocationReports.statusOf(existing.get(), setup.clock().instant()).ifPresent(this::send);
            return;
        }
        if (setup.unavailable().isPresent()) {
            send(new AllocationStatus(r.allocationId(), io.gantry.protocol.allocation.AllocationState.FAILED,
                    Optional.empty(), 0, "this node cannot run containers: " + setup.unavailable().get(),
                    Optional.empty(), setup.clock().instant()));
            return;
        }
        JobSpec spec = r.job();
        String name = allocationName(spec, r.index(), r.allocationId());
        ContainerLifecycle l = new ContainerLifecycle(new ContainerLifecycle.Identity(id, name, spec,
                Optional.of(r.allocationId()), r.manifestDigest(), false, setup.clock().instant()),
                ContainerLifecycle.trackerFor(spec, setup.clock()), setup.clock());
        spawn(l, new LifecycleEvent.Start());
    }

    /** The allocation's id (the scheduler makes it readable: job name and a counter), unless taken. */
    private String allocationName(JobSpec spec, int i, AllocationId alloc) {
        String base = alloc.value();
        return index.nameTaken(base) ? spec.name() + "-" + i + "-" + alloc.shortId() : base;
    }

    private void stopAllocation(AllocationId alloc, String reason) {
        String id = alloc.value();
        Optional<ContainerView> v = index.get(id);
        if (v.isEmpty()) {
            send(new AllocationStatus(alloc, io.gantry.protocol.allocation.AllocationState.STOPPED, Optional.empty(), 0,
                    "not on this node", Optional.empty(), setup.clock().instant()));
            return;
        }
        supervisors.get(id).tell(new ContainerSupervisor.Stop(v.get().spec().stopTimeout(), reason,
                getContext().getSystem().ignoreRef()));
        if (v.get().phase().terminal()) {
            // Already ended, so no change will be reported: the scheduler asks again because it
            // missed the report (it re-sends a stop until it hears one), so answer with the status,
            // as for a RunAllocation it already has. A stop of a container still stopping is
            // answered when it ends; the first grace period stands.
            AllocationReports.statusOf(v.get(), setup.clock().instant()).ifPresent(this::send);
        }
    }

    private void reconcile(ReconcileRequest r) {
        java.time.Instant now = setup.clock().instant();
        List<AllocationStatus> out = new ArrayList<>();
        for (AllocationId a : r.allocations()) {
            Optional<AllocationStatus> s = index.get(a.value()).flatMap(v -> AllocationReports.statusOf(v, now));
            out.add(s.orElseGet(() -> index.get(a.value()).isPresent()
                    ? AllocationStatus.of(a, io.gantry.protocol.allocation.AllocationState.PLACED, "pending on the node", now)
                    : AllocationReports.lost(a, now)));
        }
        for (ContainerView v : index.all()) {
            if (v.allocation().isPresent() && !r.allocations().contains(v.allocation().get()) && !v.phase().terminal()) {
                stopAllocation(v.allocation().get(), "unknown to the scheduler");
                AllocationReports.statusOf(v, now).ifPresent(out::add);
            }
        }
        scheduler.ifPresent(s -> s.tell(new ReconcileReport(setup.settings().nodeId(), r.epoch(), out)));
    }

    private void report(ContainerView v) {
        reports.changed(v, setup.clock().instant()).ifPresent(this::send);
    }

    private void send(AllocationStatus status) {
        scheduler.ifPresent(s -> s.tell(new AllocationStatusChanged(setup.settings().nodeId(), fence.highest(), status)));
    }

    private Behavior<Command> onSchedulerChanged(SchedulerChanged m) {
        scheduler = m.scheduler();
        registered = false;
        imagesTold.clear();
        timers.cancel(REGISTER_TIMER);
        timers.cancel(LAYERS_TIMER);
        if (scheduler.isPresent()) {
            timers.startTimerWithFixedDelay(REGISTER_TIMER, RegisterTick.INSTANCE, setup.settings().registerInterval());
            return register();
        }
        return this;
    }

    /** Describes the node off the actor's thread (it lists the blobs held), then sends RegisterNode. */
    private Behavior<Command> register() {
        if (registered || registering || scheduler.isEmpty() || address.isEmpty()) {
            return this;
        }
        registering = true;
        String at = address.get();
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> setup.nodeInfo().apply(at), setup.blocking()),
                (info, err) -> info != null ? new RegisterWith(info) : new RegisterFailed(String.valueOf(err)));
        return this;
    }

    private Behavior<Command> onRegisterWith(RegisterWith m) {
        registering = false;
        if (!registered && scheduler.isPresent()) {
            scheduler.get().tell(new RegisterNode(m.node(), inbox, fence.highest()));
            layerChanges.told(m.node().layers());
        }
        return this;
    }

    // ------------------------------------------------------------------ reports for placement

    /** Arms the layer report, unless one is armed: the changes until it fires go as one message. */
    private Behavior<Command> scheduleLayerReport() {
        if (registered && layerChanges.hasEvents() && !timers.isTimerActive(LAYERS_TIMER)) {
            timers.startSingleTimer(LAYERS_TIMER, ReportTick.LAYERS, setup.settings().layerReportInterval());
        }
        return this;
    }

    private Behavior<Command> reportLayers() {
        if (registered && scheduler.isPresent()) {
            layerChanges.drain().ifPresent(d -> scheduler.get().tell(new LayersChanged(setup.settings().nodeId(),
                    d.added(), d.removed(), setup.clock().instant())));
        }
        return this;
    }

    /** An allocation's image resolved: its layers, under the image string its job spec gives. */
    private void tellImageLayers(String image, ResolvedImage resolved) {
        if (scheduler.isEmpty()) {
            return; // the scheduler keeps what it learned; a new one hears at the next allocation
        }
        List<ImageLayersResolved.Layer> layers = resolved.layers().stream()
                .map(l -> new ImageLayersResolved.Layer(l.digest(), l.size())).toList();
        if (!layers.equals(imagesTold.get(image))) {
            imagesTold.put(image, layers);
            scheduler.get().tell(new ImageLayersResolved(setup.settings().nodeId(), image, layers,
                    setup.clock().instant()));
        }
    }

    /** Measures the live containers off the actor (cgroup files), one measurement at a time. */
    private Behavior<Command> measureUsage() {
        if (!registered || scheduler.isEmpty() || measuring) {
            return this;
        }
        List<String> live = index.liveIds();
        int runningAllocations = index.runningAllocations();
        measuring = true;
        getContext().pipeToSelf(CompletableFuture.supplyAsync(() -> {
            try {
                return setup.usage().measure(live);
            } catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, setup.blocking()), (used, err) -> used != null
                ? new UsageMeasured(used, runningAllocations, setup.clock().instant())
                : new UsageFailed(String.valueOf(err.getCause() != null ? err.getCause() : err)));
        return this;
    }

    private Behavior<Command> onUsageMeasured(UsageMeasured m) {
        measuring = false;
        if (registered) {
            scheduler.ifPresent(s -> s.tell(new NodeUsage(setup.settings().nodeId(), m.used(), m.runningAllocations(),
                    m.at())));
        }
        return this;
    }
}
