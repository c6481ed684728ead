package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.cluster.NodeRegistered;
import io.gantry.protocol.cluster.ReconcileRequest;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.Problem;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.scheduler.core.SchedulerEvent.NewAllocation;
import io.gantry.scheduler.core.SchedulerEvent.PlacedAllocation;
import io.gantry.scheduler.core.SchedulerEvent.PlacementFailed;
import io.gantry.scheduler.core.SchedulerEvent.StoppedAllocation;
import io.gantry.scheduler.placement.FailureSummary;
import io.gantry.scheduler.placement.PendingAllocation;
import io.gantry.scheduler.placement.Placement;
import io.gantry.scheduler.placement.PlacementFailure;
import io.gantry.scheduler.placement.PlacementRequest;
import io.gantry.scheduler.placement.Placer;
import io.gantry.scheduler.placement.Plan;
import io.gantry.scheduler.placement.SplitMix64;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The scheduler's brain, with no actors, threads, clocks or randomness: a command and the current
 * time go in; events (already applied to the state) and effects come out. The singleton actor,
 * the simulator and the tests drive this same class.
 *
 * <h2>Handling a command</h2>
 * <ol>
 *   <li>Validate and record what happened as events (a job submitted, a node down, an
 *       allocation's new state...). Each event is applied to the state as it is emitted, so later
 *       decisions see it.</li>
 *   <li>Reconcile every job the command touched (Nomad's reconciler): desired count against live
 *       allocations, index by index —
 *       <ul>
 *         <li>a vacant index gets a new allocation, unless its last allocation exited
 *             successfully, or failed and its reschedule delay has not passed (the delay doubles
 *             with each failure in the chain, up to a cap);</li>
 *         <li>an allocation of an outdated job version is stopped and replaced in the same plan
 *             (stop-first, like a destructive update in Nomad) — for a count = 1 job only once the
 *             old one is reported stopped, or its stop timeout plus one resend interval has
 *             passed, so that a single instance does not run twice; one on a draining node gets a
 *             replacement first and is stopped once the replacement runs — except for a count = 1
 *             job, which is drained stop-first like an update;</li>
 *         <li>indexes beyond the count are stopped (scale down removes the highest first), and
 *             a stopped job stops everything.</li>
 *       </ul>
 *       When the command freed capacity, jobs with pending allocations are retried too.</li>
 *   <li>Place every pending allocation of those jobs with the {@link Placer} on a snapshot of
 *       the state, and record the result as one {@link SchedulerEvent.PlanApplied}.</li>
 *   <li>Effects: persist the events, then send RunAllocation / StopAllocation (stamped with the
 *       epoch) to the nodes, reply, and ask for a wake-up when a reschedule falls due.</li>
 * </ol>
 *
 * <h2>Lost messages</h2>
 * Any command or report may be lost. At each tick, a command still unanswered after
 * {@link SchedulerConfig#resendAfter()} (since it was last sent) is sent again: RunAllocation for
 * an allocation placed, pulling or starting (the agent answers one it already has with its
 * status) and the ReconcileRequest of a registration until the node answers; StopAllocation for
 * one asked to stop, sooner, after {@link SchedulerConfig#stopResendAfter()}. A stop is re-sent at once when the node registers again (its agent process may
 * have lost it) or reports the allocation still running.
 *
 * <p><b>Contract with the shell:</b> {@link #handle} changes the state it is given (through
 * {@link SchedulerState#apply} only) and returns the events it applied; the shell persists those
 * and must not apply them again. To recover, it replays the journal with {@link #recover}, which
 * also starts a new epoch. A deposed scheduler is fenced by the agents; its own reports with a
 * higher epoch than its own are ignored here.
 */
public final class SchedulerCore {

    private final SchedulerConfig config;
    private final Placer placer;

    public SchedulerCore(SchedulerConfig config) {
        this.config = config;
        this.placer = new Placer(config.placement());
    }

    public SchedulerCore() {
        this(SchedulerConfig.DEFAULT);
    }

    public SchedulerConfig config() {
        return config;
    }

    /** The state the events describe, without starting an epoch (for reading a journal). */
    public static SchedulerState replay(List<SchedulerEvent> events) {
        SchedulerState state = new SchedulerState();
        for (SchedulerEvent e : events) {
            state.apply(e);
        }
        return state;
    }

    /**
     * A new scheduler incarnation: replays the journal, starts the next epoch, and reconciles
     * every job (a crash may have come between a job's submission and its plan). Nodes must
     * register again within {@link SchedulerConfig#reregistrationGrace()} or are taken as down.
     */
    public Outcome recover(List<SchedulerEvent> journal, Instant now) {
        return recover(replay(journal), now);
    }

    /**
     * As {@link #recover(List, Instant)}, from a state already rebuilt by the shell (from a
     * snapshot and the events after it, applied with {@link SchedulerState#apply}).
     */
    public Outcome recover(SchedulerState state, Instant now) {
        state.clearSoftState(); // nothing sent in the new epoch yet
        Decision d = new Decision(state, now);
        d.emit(new SchedulerEvent.EpochStarted(state.epoch() + 1, now));
        for (JobRecord j : state.jobs()) {
            d.touched.add(j.id());
        }
        d.capacityChanged = true;
        d.wakeUps.add(now.plus(config.reregistrationGrace()));
        return d.finish();
    }

    /** Handles one command at time {@code now}. */
    public Outcome handle(SchedulerState state, Instant now, SchedulerCommand command) {
        Decision d = new Decision(state, now);
        if (command instanceof SchedulerCommand.SubmitJob c) {
            d.submit(c.spec());
        } else if (command instanceof SchedulerCommand.StopJob c) {
            d.stop(c.jobId());
        } else if (command instanceof SchedulerCommand.ScaleJob c) {
            d.scale(c.jobId(), c.count());
        } else if (command instanceof SchedulerCommand.RegisterNode c) {
            d.register(c);
        } else if (command instanceof SchedulerCommand.NodeDown c) {
            d.nodeDown(c.node(), c.reason());
        } else if (command instanceof SchedulerCommand.DrainNode c) {
            d.drain(c.node());
        } else if (command instanceof SchedulerCommand.ReportAllocation c) {
            if (!d.deposed(c.epoch())) {
                d.report(c.node(), c.status());
            }
        } else if (command instanceof SchedulerCommand.ReportReconcile c) {
            if (!d.deposed(c.epoch())) {
                if (c.epoch() == state.epoch()) {
                    state.reconciled(c.node()); // the answer to this epoch's request: stop asking
                }
                for (AllocationStatus s : c.allocations()) {
                    d.report(c.node(), s);
                }
            }
        } else if (command instanceof SchedulerCommand.ReportLayers c) {
            if (state.node(c.node()).isPresent() && !(c.added().isEmpty() && c.removed().isEmpty())) {
                d.emit(new SchedulerEvent.NodeLayersChanged(c.node(), c.added(), c.removed(), now));
            }
        } else if (command instanceof SchedulerCommand.LearnImageLayers c) {
            if (!state.imageLayers(c.image()).equals(Optional.of(c.layers()))) {
                d.emit(new SchedulerEvent.ImageLayersLearned(c.image(), c.layers(), now));
            }
        } else if (command instanceof SchedulerCommand.Tick) {
            d.tick();
        } else {
            throw new IllegalArgumentException("unknown scheduler command " + command.getClass().getName());
        }
        return d.finish();
    }

    /** The working set of one command: events emitted so far, effects, jobs to reconcile. */
    private final class Decision {
        final SchedulerState state;
        final Instant now;
        final List<SchedulerEvent> events = new ArrayList<>();
        final List<SchedulerEffect> effects = new ArrayList<>();
        final Set<String> touched = new TreeSet<>();
        final List<Instant> wakeUps = new ArrayList<>();
        /** Drained single instances that stay where they are for want of a node: job → why. */
        final Map<String, FailureSummary> cannotMove = new TreeMap<>();
        boolean capacityChanged;

        Decision(SchedulerState state, Instant now) {
            this.state = state;
            this.now = now;
        }

        void emit(SchedulerEvent e) {
            state.apply(e);
            events.add(e);
        }

        void reply(SchedulerReply r) {
            effects.add(new SchedulerEffect.Reply(r));
        }

        void send(NodeId node, io.gantry.protocol.cluster.AgentCommand c) {
            effects.add(new SchedulerEffect.SendToNode(node, c));
        }

        boolean deposed(long reportEpoch) {
            // The agent obeys a newer scheduler than this one: this incarnation is stale.
            return reportEpoch > state.epoch();
        }

        // ---- user commands

        void submit(JobSpec spec) {
            List<Problem> problems = spec.validate();
            if (!problems.isEmpty()) {
                reply(new SchedulerReply.Rejected(SchedulerReply.Rejected.Kind.INVALID,
                        "job " + spec.id() + " is not valid: " + problems.size() + " problem(s)", problems));
                return;
            }
            Optional<JobRecord> old = state.job(spec.id());
            if (old.isPresent() && !old.get().stopped() && old.get().spec().equals(spec)) {
                reply(new SchedulerReply.JobAccepted(spec.id(), old.get().version(), false));
                return;
            }
            boolean replace = old.isEmpty() || old.get().stopped()
                    || !old.get().spec().toBuilder().count(spec.count()).build().equals(spec);
            long version = old.map(j -> j.version() + 1).orElse(1L);
            emit(new SchedulerEvent.JobSubmitted(spec, version, replace, now));
            touched.add(spec.id());
            reply(new SchedulerReply.JobAccepted(spec.id(), version, old.isEmpty()));
        }

        void stop(String jobId) {
            Optional<JobRecord> j = state.job(jobId);
            if (j.isEmpty()) {
                reply(SchedulerReply.Rejected.notFound("job " + jobId + " does not exist"));
                return;
            }
            if (j.get().stopped()) {
                reply(new SchedulerReply.Done("job " + jobId + " is already stopped"));
                return;
            }
            emit(new SchedulerEvent.JobStopped(jobId, j.get().version() + 1, now));
            touched.add(jobId);
            capacityChanged = true;
            reply(new SchedulerReply.Done("job " + jobId + " stopping"));
        }

        void scale(String jobId, int count) {
            Optional<JobRecord> j = state.job(jobId);
            if (j.isEmpty()) {
                reply(SchedulerReply.Rejected.notFound("job " + jobId + " does not exist"));
                return;
            }
            if (j.get().stopped()) {
                reply(SchedulerReply.Rejected.failedPrecondition("job " + jobId
                        + " is stopped; submit it again to run it"));
                return;
            }
            List<Problem> problems = j.get().spec().toBuilder().count(count).build().validate();
            if (!problems.isEmpty()) {
                reply(new SchedulerReply.Rejected(SchedulerReply.Rejected.Kind.INVALID,
                        "cannot scale job " + jobId + " to " + count, problems));
                return;
            }
            if (count == j.get().spec().count()) {
                reply(new SchedulerReply.JobAccepted(jobId, j.get().version(), false));
                return;
            }
            long version = j.get().version() + 1;
            emit(new SchedulerEvent.JobScaled(jobId, count, version, now));
            touched.add(jobId);
            capacityChanged = count < j.get().spec().count();
            reply(new SchedulerReply.JobAccepted(jobId, version, false));
        }

        void drain(NodeId node) {
            Optional<NodeRecord> n = state.node(node);
            if (n.isEmpty()) {
                reply(SchedulerReply.Rejected.notFound("node " + node + " is not registered"));
                return;
            }
            if (n.get().status() == NodeStatus.DOWN) {
                reply(SchedulerReply.Rejected.failedPrecondition("node " + node + " is down"));
                return;
            }
            List<AllocationRecord> on = state.allocationsOn(node);
            if (n.get().status() != NodeStatus.DRAINING) {
                emit(new SchedulerEvent.NodeDrainStarted(node, now));
            }
            on.forEach(a -> touched.add(a.jobId()));
            reply(new SchedulerReply.Done("node " + node + " draining, " + on.size() + " allocation(s) to move"));
        }

        // ---- cluster and agents

        void register(SchedulerCommand.RegisterNode c) {
            if (deposed(c.epochSeen())) {
                return;
            }
            NodeId id = c.node().id();
            emit(new SchedulerEvent.NodeRegistered(c.node(), state.epoch(), now));
            send(id, new NodeRegistered(state.epoch(), id));
            sendReconcile(id);
            // A stop sent to the agent's previous process may be lost with it: send it again now
            // rather than at the next resend (a stop delayed by 30 s leaves a count = 1 job
            // running twice). Not a RunAllocation: the reconcile answer tells whether the agent
            // has it, and one that reached the agent after the request could start beside its
            // replacement.
            for (AllocationRecord a : state.allocationsOn(id)) {
                if (a.stopRequested()) {
                    resend(a);
                }
            }
            capacityChanged = true;
        }

        void nodeDown(NodeId node, String reason) {
            Optional<NodeRecord> n = state.node(node);
            if (n.isEmpty() || n.get().status() == NodeStatus.DOWN) {
                return;
            }
            state.allocationsOn(node).forEach(a -> touched.add(a.jobId()));
            emit(new SchedulerEvent.NodeDown(node, reason, now));
        }

        void report(NodeId node, AllocationStatus status) {
            Optional<AllocationRecord> found = state.allocation(status.allocationId());
            if (found.isEmpty()) {
                if (!status.state().terminal()) {
                    // Not ours (an orphan of a command this scheduler never recorded): stop it.
                    send(node, new StopAllocation(state.epoch(), status.allocationId(), "unknown to the scheduler"));
                }
                return;
            }
            AllocationRecord a = found.get();
            if (a.node().isEmpty() || !a.node().get().equals(node)) {
                return; // a report about an allocation that is not (or no longer) placed on that node
            }
            AllocationState current = a.state();
            if (a.stopRequested() && !current.terminal() && !status.state().terminal()
                    && state.lastSent(a.id()).map(t -> t.isBefore(now)).orElse(true)
                    && a.stopRequestedAt().orElseThrow().isBefore(now)) {
                // still running although asked to stop: the stop was lost (e.g. with an agent
                // process that restarted), so ask again now, not after the resend interval
                resend(a);
            }
            if (current.terminal()) {
                if (!status.state().terminal()) {
                    // e.g. marked lost when its node went down, then the node came back with it running
                    send(node, new StopAllocation(state.epoch(), a.id(), "allocation is " + current.text()
                            + " and has been replaced"));
                }
                return;
            }
            if (!current.canTransitionTo(status.state()) || SchedulerState.sameReport(a.allocation(), status)) {
                return; // a stale or repeated report
            }
            emit(new SchedulerEvent.AllocationStateChanged(node, status, now));
            if (status.state() == AllocationState.FAILED && !a.stopRequested()) {
                int attempt = a.rescheduleAttempt();
                emit(new SchedulerEvent.RescheduleScheduled(a.id(), attempt,
                        now.plus(config.rescheduleDelay(attempt)), now));
            }
            if (status.state().terminal()) {
                capacityChanged = true;
            }
            touched.add(a.jobId());
        }

        void tick() {
            for (Map.Entry<AllocationId, Instant> e : new TreeMap<>(state.dueReschedules()).entrySet()) {
                if (!e.getValue().isAfter(now)) {
                    state.allocation(e.getKey()).ifPresent(a -> touched.add(a.jobId()));
                }
            }
            // Unanswered commands are sent again once per resendAfter, stops once per
            // stopResendAfter (since the last send or the last change, whichever is later). An
            // allocation still pulling or starting is asked
            // again too: the agent answers a RunAllocation it already has with its current status,
            // so a lost "running" report cannot stall a drain or a replacement for good.
            for (AllocationId id : List.copyOf(state.awaitingAgent())) {
                AllocationRecord a = state.allocation(id).orElseThrow();
                Instant changed = a.stopRequested() ? a.stopRequestedAt().orElseThrow()
                        : a.allocation().modifiedAt();
                if (changed.isAfter(now) && state.lastSent(id).isEmpty()) {
                    // stamped by an agent clock ahead of ours: time the resend from now instead
                    state.noteSent(id, now);
                }
                Instant since = changed.isAfter(now) ? state.lastSent(id).orElseThrow() : changed;
                Instant last = state.lastSent(id).filter(t -> t.isAfter(since)).orElse(since);
                // A stop sooner than a run: a copy that missed its stop may run beside its
                // replacement, and the agent answers a repeated stop with "stopped" again.
                Duration every = a.stopRequested() ? config.stopResendAfter() : config.resendAfter();
                if (!last.plus(every).isAfter(now)) {
                    resend(a);
                }
                if (a.stopRequested() && a.replacedBy().isEmpty()) {
                    // a single instance waiting for this stop (vacant()) may be due to start now
                    state.job(a.jobId()).filter(j -> !j.stopped() && stopFirst(j) && a.index() < j.spec().count()
                            && !stopDeadline(j, a).isAfter(now)).ifPresent(j -> touched.add(j.id()));
                }
            }
            state.forgetAnswered();
            // A lost ReconcileRequest (or its lost answer) would leave what became of the node's
            // allocations unknown: ask again until the node answers or goes down.
            for (Map.Entry<NodeId, Instant> e : List.copyOf(state.reconcileAwaited().entrySet())) {
                Optional<NodeRecord> n = state.node(e.getKey());
                if (n.isEmpty() || n.get().status() == NodeStatus.DOWN) {
                    state.reconciled(e.getKey());
                } else if (!e.getValue().plus(config.resendAfter()).isAfter(now)) {
                    sendReconcile(e.getKey());
                }
            }
            if (!state.epochStartedAt().plus(config.reregistrationGrace()).isAfter(now)) {
                for (NodeRecord n : List.copyOf(state.nodes())) {
                    if (n.status() != NodeStatus.DOWN && n.registeredEpoch() < state.epoch()) {
                        nodeDown(n.id(), "did not register again after scheduler failover (epoch "
                                + state.epoch() + ")");
                    }
                }
            }
        }

        /** Sends the allocation's unanswered command (stop or run) again and notes when. */
        void resend(AllocationRecord a) {
            if (a.stopRequested()) {
                send(a.node().orElseThrow(), new StopAllocation(state.epoch(), a.id(), a.stopReason()));
            } else {
                sendRun(a);
            }
            state.noteSent(a.id(), now);
        }

        void sendReconcile(NodeId id) {
            Set<AllocationId> believed = new LinkedHashSet<>();
            for (AllocationRecord a : state.allocationsOn(id)) {
                believed.add(a.id());
            }
            send(id, new ReconcileRequest(state.epoch(), id, believed));
            state.awaitReconcile(id, now);
        }

        void sendRun(AllocationRecord a) {
            JobRecord j = state.job(a.jobId()).orElseThrow();
            send(a.node().orElseThrow(), new RunAllocation(state.epoch(), a.id(), j.spec(),
                    a.allocation().jobVersion(), a.index(), Optional.empty()));
        }

        // ---- reconcile and place

        Outcome finish() {
            if (capacityChanged) {
                touched.addAll(state.blockedJobs());
                // and drained single instances that had nowhere to go (occupied())
                for (NodeId draining : state.drainingNodes()) {
                    state.allocationsOn(draining).forEach(a -> touched.add(a.jobId()));
                }
            }
            if (!touched.isEmpty()) {
                plan();
            }
            Instant next = null;
            for (Instant due : state.dueReschedules().values()) {
                if (due.isAfter(now) && (next == null || due.isBefore(next))) {
                    next = due;
                }
            }
            for (Instant w : wakeUps) {
                if (next == null || w.isBefore(next)) {
                    next = w;
                }
            }
            List<SchedulerEffect> out = new ArrayList<>(effects.size() + 2);
            if (!events.isEmpty()) {
                out.add(new SchedulerEffect.Persist(events));
            }
            out.addAll(effects);
            if (next != null) {
                out.add(new SchedulerEffect.WakeUpAt(next));
            }
            return new Outcome(state, out);
        }

        private void plan() {
            List<NewAllocation> created = new ArrayList<>();
            List<StoppedAllocation> stopped = new ArrayList<>();
            Map<AllocationId, Set<NodeId>> avoid = new HashMap<>();
            for (String jobId : touched) {
                state.job(jobId).ifPresent(j -> reconcile(j, created, stopped, avoid));
            }
            Set<AllocationId> stopping = new LinkedHashSet<>();
            stopped.forEach(s -> stopping.add(s.id()));

            // Everything pending in the touched jobs: new allocations and earlier unplaced ones.
            List<PendingAllocation> pending = new ArrayList<>();
            Map<String, PlacementRequest> requests = new HashMap<>();
            for (String jobId : touched) {
                for (AllocationRecord a : state.allocationsOf(jobId)) {
                    if (a.state() == AllocationState.PENDING && !stopping.contains(a.id())) {
                        pending.add(new PendingAllocation(a.id(), request(jobId, requests), avoidFor(a)));
                    }
                }
            }
            for (NewAllocation n : created) {
                pending.add(new PendingAllocation(n.id(), request(n.jobId(), requests),
                        avoid.getOrDefault(n.id(), Set.of())));
            }
            List<PlacedAllocation> placed = new ArrayList<>();
            List<PlacementFailed> failed = new ArrayList<>();
            Map<String, Integer> unplaced = new TreeMap<>();
            if (!pending.isEmpty()) {
                Plan plan = placer.place(state.snapshot(), pending, planSeed());
                for (Placement p : plan.placements()) {
                    placed.add(new PlacedAllocation(p.allocationId(), p.nodeId()));
                }
                Map<String, FailureSummary> why = new LinkedHashMap<>();
                for (PlacementFailure f : plan.failures()) {
                    why.putIfAbsent(f.jobId(), f.why());
                    unplaced.merge(f.jobId(), 1, Integer::sum);
                }
                for (Map.Entry<String, Integer> e : unplaced.entrySet()) {
                    PlacementFailed f = new PlacementFailed(e.getKey(), e.getValue(), why.get(e.getKey()).text());
                    if (!state.job(e.getKey()).orElseThrow().failure().equals(Optional.of(f))) {
                        failed.add(f);
                    }
                }
            }
            for (Map.Entry<String, FailureSummary> e : cannotMove.entrySet()) {
                PlacementFailed f = new PlacementFailed(e.getKey(), 1, e.getValue().text());
                if (!unplaced.containsKey(e.getKey())
                        && !state.job(e.getKey()).orElseThrow().failure().equals(Optional.of(f))) {
                    failed.add(f);
                }
            }
            if (created.isEmpty() && placed.isEmpty() && stopped.isEmpty() && failed.isEmpty()) {
                return;
            }
            Map<AllocationId, Boolean> wasPlaced = new HashMap<>();
            for (StoppedAllocation s : stopped) {
                wasPlaced.put(s.id(), state.allocation(s.id()).map(a -> a.state() != AllocationState.PENDING)
                        .orElse(false));
            }
            emit(new SchedulerEvent.PlanApplied(created, placed, stopped, failed, now));
            for (PlacedAllocation p : placed) {
                sendRun(state.allocation(p.id()).orElseThrow());
            }
            for (StoppedAllocation s : stopped) {
                if (wasPlaced.get(s.id())) {
                    AllocationRecord a = state.allocation(s.id()).orElseThrow();
                    send(a.node().orElseThrow(), new StopAllocation(state.epoch(), a.id(), s.reason()));
                }
            }
        }

        /** The placer's seed for this command's plan: fixed by the epoch and the plans so far. */
        private long planSeed() {
            return new SplitMix64(state.epoch() * 0x9E3779B97F4A7C15L + state.plansApplied()).nextLong();
        }

        private PlacementRequest request(String jobId, Map<String, PlacementRequest> cache) {
            return cache.computeIfAbsent(jobId, id -> {
                JobSpec spec = state.job(id).orElseThrow().spec();
                return PlacementRequest.of(spec, state.imageLayers(spec.image()).orElse(List.of()));
            });
        }

        /**
         * Why a replacement of {@code mover} could not be placed now (a trial placement on the
         * current state), or empty when it could.
         */
        private Optional<FailureSummary> nowhereToGo(JobRecord job, AllocationRecord mover) {
            PendingAllocation trial = new PendingAllocation(mover.id(), PlacementRequest.of(job.spec(),
                    state.imageLayers(job.spec().image()).orElse(List.of())), Set.of());
            Plan plan = placer.place(state.snapshot(), List.of(trial), planSeed());
            return plan.failures().isEmpty() ? Optional.empty() : Optional.of(plan.failures().get(0).why());
        }

        /** A replacement of a failed allocation avoids the node it failed on, when another fits. */
        private Set<NodeId> avoidFor(AllocationRecord a) {
            if (a.previous().isEmpty()) {
                return Set.of();
            }
            return state.allocation(a.previous().get())
                    .filter(p -> p.state() == AllocationState.FAILED && p.node().isPresent())
                    .map(p -> Set.of(p.node().get()))
                    .orElse(Set.of());
        }

        private void reconcile(JobRecord job, List<NewAllocation> created, List<StoppedAllocation> stopped,
                               Map<AllocationId, Set<NodeId>> avoid) {
            List<AllocationRecord> allocs = state.allocationsOf(job.id());
            if (job.stopped()) {
                for (AllocationRecord a : allocs) {
                    if (a.live()) {
                        stopped.add(new StoppedAllocation(a.id(), "job stopped"));
                    }
                }
                return;
            }
            int count = job.spec().count();
            Map<Integer, List<AllocationRecord>> live = new TreeMap<>();
            Map<Integer, AllocationRecord> latest = new HashMap<>();
            for (AllocationRecord a : allocs) {
                latest.put(a.index(), a); // creation order: the last one wins
                if (a.live()) {
                    live.computeIfAbsent(a.index(), k -> new ArrayList<>()).add(a);
                }
            }
            for (Map.Entry<Integer, List<AllocationRecord>> e : live.entrySet()) {
                if (e.getKey() >= count) {
                    for (AllocationRecord a : e.getValue()) {
                        stopped.add(new StoppedAllocation(a.id(), "job scaled down to " + count));
                    }
                }
            }
            for (int index = 0; index < count; index++) {
                List<AllocationRecord> here = live.getOrDefault(index, List.of());
                if (here.isEmpty()) {
                    vacant(job, index, latest.get(index), created, avoid);
                } else {
                    occupied(job, index, here, created, stopped);
                }
            }
        }

        private void vacant(JobRecord job, int index, AllocationRecord last, List<NewAllocation> created,
                            Map<AllocationId, Set<NodeId>> avoid) {
            if (last == null) {
                create(job, index, null, 0, created);
                return;
            }
            if (stopFirst(job) && last.stopRequested() && !last.state().terminal()) {
                // A single instance: its replacement starts once the old one has stopped, or when
                // it should have (its stop timeout, plus one resend of a lost stop), not beside it.
                Instant deadline = stopDeadline(job, last);
                if (deadline.isAfter(now)) {
                    wakeUps.add(deadline);
                    return;
                }
            }
            boolean current = last.allocation().jobVersion() >= job.replaceVersion();
            if (last.state() == AllocationState.EXITED && current && !last.stopRequested()) {
                return; // ran to completion: nothing to do for this index
            }
            if (last.state() == AllocationState.FAILED && current && !last.stopRequested()) {
                Instant due = last.rescheduleAt().orElse(now);
                if (due.isAfter(now)) {
                    wakeUps.add(due);
                    return;
                }
                NewAllocation n = create(job, index, last, last.rescheduleAttempt() + 1, created);
                last.node().ifPresent(node -> avoid.put(n.id(), Set.of(node)));
                return;
            }
            // lost, stopped, asked to stop, or of an outdated version: replace now
            create(job, index, last, last.rescheduleAttempt(), created);
        }

        private void occupied(JobRecord job, int index, List<AllocationRecord> here, List<NewAllocation> created,
                              List<StoppedAllocation> stopped) {
            List<AllocationRecord> keepers = new ArrayList<>();
            List<AllocationRecord> movers = new ArrayList<>();
            for (AllocationRecord a : here) {
                if (a.allocation().jobVersion() < job.replaceVersion()) {
                    stopped.add(new StoppedAllocation(a.id(), "job updated to version " + job.replaceVersion()));
                } else if (a.node().isPresent() && state.node(a.node().get())
                        .map(n -> n.status() == NodeStatus.DRAINING).orElse(false)) {
                    movers.add(a);
                } else {
                    keepers.add(a);
                }
            }
            for (int i = 1; i < keepers.size(); i++) {
                stopped.add(new StoppedAllocation(keepers.get(i).id(), "duplicate of " + keepers.get(0).id()));
            }
            AllocationRecord keeper = keepers.isEmpty() ? null : keepers.get(0);
            if (keeper == null && movers.isEmpty()) {
                // every allocation here was outdated: stop-first replacement, in the same plan
                // unless the job runs a single instance (then once the old one stopped: vacant())
                if (!stopFirst(job)) {
                    create(job, index, here.get(here.size() - 1), here.get(here.size() - 1).rescheduleAttempt(),
                            created);
                } else {
                    wakeUps.add(now.plus(job.spec().stopTimeout()).plus(config.resendAfter()));
                }
                return;
            }
            if (movers.isEmpty()) {
                return;
            }
            if (keeper == null && stopFirst(job)) {
                Optional<FailureSummary> nowhere = nowhereToGo(job, movers.get(0));
                if (nowhere.isPresent()) {
                    // Stopped now it would only go down: it keeps running, the job says why, and
                    // a node that registers or frees capacity tries again (finish()).
                    cannotMove.put(job.id(), nowhere.get());
                    return;
                }
                // A single instance is drained stop-first, as Kubernetes' eviction does (kubectl
                // drain deletes the pod, and a StatefulSet's replacement is made only once the old
                // pod is gone): started first, the replacement would run beside the old copy for
                // the old one's stop time, and far longer if its "running" report or the stop were
                // lost. vacant() places the replacement once this copy is reported stopped (or
                // lost), or at its stop deadline.
                for (AllocationRecord m : movers) {
                    stopped.add(new StoppedAllocation(m.id(), "node " + m.node().orElseThrow() + " drained"));
                }
                wakeUps.add(now.plus(job.spec().stopTimeout()).plus(config.resendAfter()));
            } else if (keeper == null) {
                // start-first: the allocations on the draining node run until the replacement does
                AllocationRecord m = movers.get(0);
                create(job, index, m, m.rescheduleAttempt(), created);
            } else if (keeper.state() == AllocationState.RUNNING) {
                for (AllocationRecord m : movers) {
                    stopped.add(new StoppedAllocation(m.id(), "node " + m.node().orElseThrow() + " drained"));
                }
            }
        }

        /**
         * A count = 1 job is never meant to run twice: an update or a drain waits for the old
         * copy's stop.
         */
        private boolean stopFirst(JobRecord job) {
            return job.spec().count() == 1;
        }

        private Instant stopDeadline(JobRecord job, AllocationRecord stopping) {
            return stopping.stopRequestedAt().orElseThrow().plus(job.spec().stopTimeout()).plus(config.resendAfter());
        }

        private NewAllocation create(JobRecord job, int index, AllocationRecord previous, int attempt,
                                     List<NewAllocation> created) {
            long serial = state.allocationsCreated() + created.size() + 1;
            AllocationId id = AllocationId.of(job.id() + "-" + Long.toString(serial, 36));
            NewAllocation n = new NewAllocation(id, job.id(), job.version(), index,
                    previous == null ? Optional.empty() : Optional.of(previous.id()), attempt);
            created.add(n);
            return n;
        }
    }
}
