package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.Allocation;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.protocol.oci.Digest;
import io.gantry.scheduler.placement.ClusterSnapshot;
import io.gantry.scheduler.placement.ImageLayer;
import io.gantry.scheduler.placement.NodeView;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Everything the scheduler knows: jobs and their versions, allocations and their states, the node
 * inventory (status, capacity, labels, layers, what is reserved), the image layers learned, and
 * the epoch. It changes only through {@link #apply}, one {@link SchedulerEvent} at a time, so that
 * the journal replayed from the start yields the same state (see {@link SchedulerCore#replay}).
 *
 * <p>The state is mutable for speed (a 50,000-allocation cluster cannot be copied per event) and
 * belongs to one owner at a time: the singleton actor or the simulator's scheduler. Readers get
 * immutable records. Indexes kept beside the maps (allocations per job and per node, pending
 * jobs, due reschedules, commands awaiting an agent) make each decision cost what it touches,
 * not the size of the cluster.
 *
 * <p>One exception to "only through apply": the resend timer's bookkeeping (when a command
 * awaiting an agent's answer was last sent, which nodes owe a ReconcileReport) is soft state that
 * {@link SchedulerCore} keeps here as it sends. It is not journaled (a resend decides nothing), is
 * kept in snapshots (so a restored state resends exactly as the original), and is cleared when a
 * new incarnation recovers: nothing has been sent in the new epoch yet.
 */
public final class SchedulerState {

    /** Terminal allocations kept per job beyond the latest one of each index (older ones are forgotten). */
    static final int TERMINAL_HISTORY_PER_JOB = 20;

    private long epoch;
    private Instant epochStartedAt = Instant.EPOCH;
    private long eventsApplied;
    private long allocationsCreated;
    private long plansApplied;
    private final TreeMap<String, JobRecord> jobs = new TreeMap<>();
    private final HashMap<AllocationId, AllocationRecord> allocations = new HashMap<>();
    private final HashMap<String, LinkedHashSet<AllocationId>> allocationsByJob = new HashMap<>();
    private final TreeMap<NodeId, NodeRecord> nodes = new TreeMap<>();
    /** Allocations holding resources on each node. */
    private final HashMap<NodeId, LinkedHashSet<AllocationId>> activeByNode = new HashMap<>();
    private final HashMap<String, List<ImageLayer>> imageLayers = new HashMap<>();
    /** Nodes being drained (a few at a time, so the core can look at their allocations cheaply). */
    private final TreeSet<NodeId> drainingNodes = new TreeSet<>();
    /** Jobs with pending (unplaced) allocations. */
    private final TreeSet<String> blockedJobs = new TreeSet<>();
    /** Failed allocations waiting for their replacement, with its due time. */
    private final HashMap<AllocationId, Instant> dueReschedules = new HashMap<>();
    /**
     * Placed allocations not yet running (placed, pulling, starting: a lost report must not leave
     * them there for good), and allocations asked to stop that have not.
     */
    private final LinkedHashSet<AllocationId> awaitingAgent = new LinkedHashSet<>();
    /** Soft state: when a command about an awaiting allocation was last sent. */
    private final HashMap<AllocationId, Instant> lastSent = new HashMap<>();
    /** Soft state: nodes asked for a ReconcileReport that has not come, with when it was last asked. */
    private final TreeMap<NodeId, Instant> reconcileAwaited = new TreeMap<>();

    public long epoch() {
        return epoch;
    }

    public Instant epochStartedAt() {
        return epochStartedAt;
    }

    public long eventsApplied() {
        return eventsApplied;
    }

    public long allocationsCreated() {
        return allocationsCreated;
    }

    public long plansApplied() {
        return plansApplied;
    }

    public Optional<JobRecord> job(String id) {
        return Optional.ofNullable(jobs.get(id));
    }

    public Collection<JobRecord> jobs() {
        return Collections.unmodifiableCollection(jobs.values());
    }

    public Optional<AllocationRecord> allocation(AllocationId id) {
        return Optional.ofNullable(allocations.get(id));
    }

    /** The job's allocations in creation order (recent history included). */
    public List<AllocationRecord> allocationsOf(String jobId) {
        Set<AllocationId> ids = allocationsByJob.get(jobId);
        if (ids == null) {
            return List.of();
        }
        List<AllocationRecord> out = new ArrayList<>(ids.size());
        for (AllocationId id : ids) {
            out.add(allocations.get(id));
        }
        return out;
    }

    /** Allocations holding resources on the node. */
    public List<AllocationRecord> allocationsOn(NodeId node) {
        Set<AllocationId> ids = activeByNode.getOrDefault(node, new LinkedHashSet<>());
        List<AllocationRecord> out = new ArrayList<>(ids.size());
        for (AllocationId id : ids) {
            out.add(allocations.get(id));
        }
        return out;
    }

    public Collection<AllocationRecord> allAllocations() {
        return Collections.unmodifiableCollection(allocations.values());
    }

    public Optional<NodeRecord> node(NodeId id) {
        return Optional.ofNullable(nodes.get(id));
    }

    public Collection<NodeRecord> nodes() {
        return Collections.unmodifiableCollection(nodes.values());
    }

    public Optional<List<ImageLayer>> imageLayers(String image) {
        return Optional.ofNullable(imageLayers.get(image));
    }

    Set<NodeId> drainingNodes() {
        return Collections.unmodifiableSet(drainingNodes);
    }

    Set<String> blockedJobs() {
        return Collections.unmodifiableSet(blockedJobs);
    }

    Map<AllocationId, Instant> dueReschedules() {
        return Collections.unmodifiableMap(dueReschedules);
    }

    Set<AllocationId> awaitingAgent() {
        return Collections.unmodifiableSet(awaitingAgent);
    }

    Optional<Instant> lastSent(AllocationId id) {
        return Optional.ofNullable(lastSent.get(id));
    }

    void noteSent(AllocationId id, Instant at) {
        lastSent.put(id, at);
    }

    /** Forgets send times of allocations no longer awaiting an answer. */
    void forgetAnswered() {
        lastSent.keySet().removeIf(id -> !awaitingAgent.contains(id));
    }

    Map<NodeId, Instant> reconcileAwaited() {
        return Collections.unmodifiableMap(reconcileAwaited);
    }

    void awaitReconcile(NodeId node, Instant sentAt) {
        reconcileAwaited.put(node, sentAt);
    }

    void reconciled(NodeId node) {
        reconcileAwaited.remove(node);
    }

    /** A new incarnation has sent nothing yet. */
    void clearSoftState() {
        lastSent.clear();
        reconcileAwaited.clear();
    }

    /** The cluster as the placer sees it now: nodes sorted by id, reservations as recorded. */
    public ClusterSnapshot snapshot() {
        List<NodeView> views = new ArrayList<>(nodes.size());
        for (NodeRecord n : nodes.values()) {
            NodeInfo i = n.info();
            views.add(new NodeView(i.id(), n.status(), i.capacity().cpuMillis(), i.capacity().memoryBytes(),
                    n.reserved().cpuMillis(), n.reserved().memoryBytes(), i.labels(), i.layers()));
        }
        List<NodeView> list = Collections.unmodifiableList(views);
        return new ClusterSnapshot() {
            @Override
            public List<NodeView> nodes() {
                return list;
            }

            @Override
            public Map<NodeId, Integer> allocationsPerNode(String jobId) {
                Map<NodeId, Integer> out = new HashMap<>();
                for (AllocationRecord a : allocationsOf(jobId)) {
                    if (a.state().holdsResources() && a.node().isPresent()) {
                        out.merge(a.node().get(), 1, Integer::sum);
                    }
                }
                return out;
            }
        };
    }

    /** The one way the state changes. Returns this state, changed. */
    public SchedulerState apply(SchedulerEvent event) {
        if (event instanceof SchedulerEvent.EpochStarted e) {
            if (e.epoch() <= epoch) {
                throw new IllegalStateException("epoch must grow: " + epoch + " -> " + e.epoch());
            }
            epoch = e.epoch();
            epochStartedAt = e.at();
        } else if (event instanceof SchedulerEvent.JobSubmitted e) {
            JobRecord old = jobs.get(e.spec().id());
            long replaceVersion = e.replaceAllocations() || old == null ? e.version() : old.replaceVersion();
            Instant submitted = old == null ? e.at() : old.submittedAt();
            jobs.put(e.spec().id(), new JobRecord(e.spec(), e.version(), replaceVersion, false, submitted, e.at(),
                    old == null ? Optional.empty() : old.failure()));
        } else if (event instanceof SchedulerEvent.JobStopped e) {
            JobRecord j = jobRecord(e.jobId());
            jobs.put(j.id(), new JobRecord(j.spec(), e.version(), j.replaceVersion(), true, j.submittedAt(), e.at(),
                    Optional.empty()));
        } else if (event instanceof SchedulerEvent.JobScaled e) {
            JobRecord j = jobRecord(e.jobId());
            JobSpec spec = j.spec().toBuilder().count(e.count()).build();
            jobs.put(j.id(), new JobRecord(spec, e.version(), j.replaceVersion(), j.stopped(), j.submittedAt(), e.at(),
                    j.failure()));
        } else if (event instanceof SchedulerEvent.PlanApplied e) {
            applyPlan(e);
        } else if (event instanceof SchedulerEvent.AllocationStateChanged e) {
            AllocationRecord a = allocationRecord(e.status().allocationId());
            update(a.with(a.allocation().apply(e.status())));
        } else if (event instanceof SchedulerEvent.RescheduleScheduled e) {
            AllocationRecord a = allocationRecord(e.allocation());
            allocations.put(a.id(), a.rescheduleAt(e.notBefore()));
            if (a.replacedBy().isEmpty()) {
                dueReschedules.put(a.id(), e.notBefore());
            }
        } else if (event instanceof SchedulerEvent.NodeRegistered e) {
            NodeRecord old = nodes.get(e.node().id());
            NodeStatus status = old != null && old.status() == NodeStatus.DRAINING ? NodeStatus.DRAINING
                    : NodeStatus.READY;
            NodeResources reserved = old == null ? NodeResources.ZERO : old.reserved();
            Instant since = old != null && old.status() == status ? old.statusSince() : e.at();
            nodes.put(e.node().id(), new NodeRecord(e.node(), status, e.epoch(), reserved, since,
                    old != null && old.status() == status ? old.statusReason() : "registered"));
            if (status != NodeStatus.DRAINING) {
                drainingNodes.remove(e.node().id());
            }
        } else if (event instanceof SchedulerEvent.NodeDown e) {
            NodeRecord n = nodeRecord(e.node());
            nodes.put(n.id(), n.withStatus(NodeStatus.DOWN, e.at(), e.reason()));
            drainingNodes.remove(n.id());
            for (AllocationId id : List.copyOf(activeByNode.getOrDefault(n.id(), new LinkedHashSet<>()))) {
                AllocationRecord a = allocations.get(id);
                update(a.with(a.allocation().transition(AllocationState.LOST, e.at(), "node down: " + e.reason())));
            }
        } else if (event instanceof SchedulerEvent.NodeDrainStarted e) {
            NodeRecord n = nodeRecord(e.node());
            nodes.put(n.id(), n.withStatus(NodeStatus.DRAINING, e.at(), "drain requested"));
            drainingNodes.add(n.id());
        } else if (event instanceof SchedulerEvent.NodeLayersChanged e) {
            NodeRecord n = nodeRecord(e.node());
            Set<Digest> layers = new HashSet<>(n.info().layers());
            layers.removeAll(e.removed());
            layers.addAll(e.added());
            NodeInfo i = n.info();
            nodes.put(n.id(), n.withInfo(new NodeInfo(i.id(), i.address(), i.labels(), i.capacity(), i.runtime(),
                    layers)));
        } else if (event instanceof SchedulerEvent.ImageLayersLearned e) {
            imageLayers.put(e.image(), e.layers());
        } else {
            throw new IllegalArgumentException("unknown scheduler event " + event.getClass().getName());
        }
        eventsApplied++;
        return this;
    }

    private void applyPlan(SchedulerEvent.PlanApplied e) {
        Set<String> touched = new LinkedHashSet<>();
        for (SchedulerEvent.NewAllocation n : e.created()) {
            JobRecord j = jobRecord(n.jobId());
            Allocation a = Allocation.pending(n.id(), n.jobId(), n.jobVersion(), n.index(), e.at());
            if (allocations.containsKey(n.id())) {
                throw new IllegalStateException("allocation " + n.id() + " created twice");
            }
            allocations.put(n.id(), new AllocationRecord(a, NodeResources.of(j.spec().resources()), false, "",
                    Optional.empty(), n.previous(), n.rescheduleAttempt(), Optional.empty(), Optional.empty()));
            allocationsByJob.computeIfAbsent(n.jobId(), k -> new LinkedHashSet<>()).add(n.id());
            blockedJobs.add(n.jobId()); // pending until placed below
            allocationsCreated++;
            n.previous().ifPresent(p -> {
                AllocationRecord prev = allocations.get(p);
                if (prev != null) {
                    allocations.put(p, prev.replacedBy(n.id()));
                }
                dueReschedules.remove(p);
            });
            touched.add(n.jobId());
        }
        for (SchedulerEvent.PlacedAllocation p : e.placed()) {
            AllocationRecord a = allocationRecord(p.id());
            nodeRecord(p.node());
            update(a.with(a.allocation().placedOn(p.node(), e.at())));
            touched.add(a.jobId());
        }
        for (SchedulerEvent.StoppedAllocation s : e.stopped()) {
            AllocationRecord a = allocationRecord(s.id());
            if (a.state() == AllocationState.PENDING) {
                update(a.stopping(s.reason(), e.at())
                        .with(a.allocation().transition(AllocationState.STOPPED, e.at(), s.reason())));
            } else {
                update(a.stopping(s.reason(), e.at()));
            }
            touched.add(a.jobId());
        }
        Map<String, SchedulerEvent.PlacementFailed> failed = new HashMap<>();
        for (SchedulerEvent.PlacementFailed f : e.failed()) {
            failed.put(f.jobId(), f);
            touched.add(f.jobId());
        }
        for (String jobId : touched) {
            JobRecord j = jobs.get(jobId);
            if (failed.containsKey(jobId)) {
                jobs.put(jobId, j.withFailure(Optional.of(failed.get(jobId))));
            } else if (!blockedJobs.contains(jobId) && j.failure().isPresent()) {
                jobs.put(jobId, j.withFailure(Optional.empty()));
            }
            pruneHistory(jobId);
        }
        plansApplied++;
    }

    /**
     * Stores a changed allocation and keeps every index in step: reservations on its node, the
     * per-node set, pending jobs, due reschedules, commands awaiting the agent.
     */
    private void update(AllocationRecord next) {
        AllocationRecord prev = allocations.put(next.id(), next);
        boolean held = prev != null && prev.state().holdsResources();
        boolean holds = next.state().holdsResources();
        if (held && !holds) {
            NodeId node = prev.node().orElseThrow();
            NodeRecord n = nodes.get(node);
            nodes.put(node, n.withReserved(n.reserved().minus(prev.reserved())));
            activeByNode.get(node).remove(next.id());
        } else if (!held && holds) {
            NodeId node = next.node().orElseThrow();
            NodeRecord n = nodes.get(node);
            nodes.put(node, n.withReserved(n.reserved().plus(next.reserved())));
            activeByNode.computeIfAbsent(node, k -> new LinkedHashSet<>()).add(next.id());
        }
        boolean waiting = awaitsStart(next.state())
                || (next.stopRequested() && !next.state().terminal() && next.state() != AllocationState.PENDING);
        if (waiting) {
            awaitingAgent.add(next.id());
        } else {
            awaitingAgent.remove(next.id());
        }
        if (next.state() == AllocationState.PENDING) {
            blockedJobs.add(next.jobId());
        } else if (prev != null && prev.state() == AllocationState.PENDING) {
            refreshBlocked(next.jobId());
        }
        if (next.stopRequested() || next.replacedBy().isPresent()) {
            dueReschedules.remove(next.id());
        }
    }

    /** Placed and not yet reported running: the agent owes a report. */
    static boolean awaitsStart(AllocationState s) {
        return s == AllocationState.PLACED || s == AllocationState.PULLING || s == AllocationState.STARTING;
    }

    private void refreshBlocked(String jobId) {
        for (AllocationId id : allocationsByJob.getOrDefault(jobId, new LinkedHashSet<>())) {
            if (allocations.get(id).state() == AllocationState.PENDING) {
                blockedJobs.add(jobId);
                return;
            }
        }
        blockedJobs.remove(jobId);
    }

    /**
     * Forgets the oldest finished allocations of a job that were replaced, beyond a small
     * history, so that a crash-looping job does not grow the state without bound. Deterministic,
     * so a replay forgets the same ones.
     */
    private void pruneHistory(String jobId) {
        LinkedHashSet<AllocationId> ids = allocationsByJob.get(jobId);
        if (ids == null) {
            return;
        }
        int replacedTerminal = 0;
        for (AllocationId id : ids) {
            AllocationRecord a = allocations.get(id);
            if (a.state().terminal() && (a.replacedBy().isPresent() || a.stopRequested())) {
                replacedTerminal++;
            }
        }
        int excess = replacedTerminal - TERMINAL_HISTORY_PER_JOB;
        for (var it = ids.iterator(); it.hasNext() && excess > 0; ) {
            AllocationRecord a = allocations.get(it.next());
            if (a.state().terminal() && (a.replacedBy().isPresent() || a.stopRequested())) {
                it.remove();
                allocations.remove(a.id());
                dueReschedules.remove(a.id());
                excess--;
            }
        }
    }

    private JobRecord jobRecord(String id) {
        JobRecord j = jobs.get(id);
        if (j == null) {
            throw new IllegalStateException("event names unknown job " + id);
        }
        return j;
    }

    private AllocationRecord allocationRecord(AllocationId id) {
        AllocationRecord a = allocations.get(id);
        if (a == null) {
            throw new IllegalStateException("event names unknown allocation " + id);
        }
        return a;
    }

    private NodeRecord nodeRecord(NodeId id) {
        NodeRecord n = nodes.get(id);
        if (n == null) {
            throw new IllegalStateException("event names unknown node " + id);
        }
        return n;
    }

    /** The whole state as immutable values, for a snapshot (see {@link StateSnapshot}). */
    public StateSnapshot toSnapshot() {
        List<AllocationRecord> allocs = new ArrayList<>(allocations.size());
        for (String jobId : new TreeSet<>(allocationsByJob.keySet())) {
            for (AllocationId id : allocationsByJob.get(jobId)) {
                allocs.add(allocations.get(id));
            }
        }
        Map<String, List<AllocationId>> active = new HashMap<>();
        activeByNode.forEach((node, ids) -> active.put(node.value(), List.copyOf(ids)));
        List<StateSnapshot.Due> due = new ArrayList<>();
        new TreeMap<>(dueReschedules).forEach((id, at) -> due.add(new StateSnapshot.Due(id, at)));
        List<StateSnapshot.Sent> sent = new ArrayList<>();
        new TreeMap<>(lastSent).forEach((id, at) -> sent.add(new StateSnapshot.Sent(id, at)));
        List<StateSnapshot.Reconcile> reconcile = new ArrayList<>();
        reconcileAwaited.forEach((node, at) -> reconcile.add(new StateSnapshot.Reconcile(node, at)));
        return new StateSnapshot(StateSnapshot.FORMAT, epoch, epochStartedAt, eventsApplied, allocationsCreated,
                plansApplied, List.copyOf(jobs.values()), allocs, List.copyOf(nodes.values()), active,
                imageLayers, List.copyOf(blockedJobs), due, List.copyOf(awaitingAgent), sent, reconcile);
    }

    /**
     * The state a snapshot was taken of; it continues exactly as the original would have. A
     * format 1 snapshot (before pulling and starting allocations awaited an answer) is read too:
     * those are added to the awaiting ones after the rest, in snapshot order.
     */
    public static SchedulerState restore(StateSnapshot s) {
        if (s.format() != StateSnapshot.FORMAT && s.format() != 1) {
            throw new IllegalArgumentException("scheduler snapshot format " + s.format() + " is not readable by this"
                    + " version (reads format " + StateSnapshot.FORMAT + ")");
        }
        SchedulerState state = new SchedulerState();
        state.epoch = s.epoch();
        state.epochStartedAt = s.epochStartedAt();
        state.eventsApplied = s.eventsApplied();
        state.allocationsCreated = s.allocationsCreated();
        state.plansApplied = s.plansApplied();
        s.jobs().forEach(j -> state.jobs.put(j.id(), j));
        for (AllocationRecord a : s.allocations()) {
            state.allocations.put(a.id(), a);
            state.allocationsByJob.computeIfAbsent(a.jobId(), k -> new LinkedHashSet<>()).add(a.id());
        }
        s.nodes().forEach(n -> state.nodes.put(n.id(), n));
        s.nodes().stream().filter(n -> n.status() == NodeStatus.DRAINING).forEach(n -> state.drainingNodes.add(n.id()));
        s.activeByNode().forEach((node, ids) -> state.activeByNode.put(NodeId.of(node), new LinkedHashSet<>(ids)));
        state.imageLayers.putAll(s.imageLayers());
        state.blockedJobs.addAll(s.blockedJobs());
        s.dueReschedules().forEach(d -> state.dueReschedules.put(d.allocation(), d.at()));
        state.awaitingAgent.addAll(s.awaitingAgent());
        if (s.format() == 1) {
            for (AllocationRecord a : s.allocations()) {
                if (awaitsStart(a.state())) {
                    state.awaitingAgent.add(a.id());
                }
            }
        }
        s.lastSent().forEach(x -> state.lastSent.put(x.allocation(), x.at()));
        s.reconcileAwaited().forEach(x -> state.reconcileAwaited.put(x.node(), x.at()));
        return state;
    }

    /** A description of the whole state, equal for equal states: what replay tests compare. */
    public String fingerprint() {
        StringBuilder b = new StringBuilder();
        b.append("epoch=").append(epoch).append(" since=").append(epochStartedAt)
                .append(" created=").append(allocationsCreated).append(" plans=").append(plansApplied).append('\n');
        jobs.values().forEach(j -> b.append(j).append('\n'));
        new TreeMap<>(allocations).values().forEach(a -> b.append(a).append('\n'));
        nodes.values().forEach(n -> b.append(n).append('\n'));
        new TreeMap<>(imageLayers).forEach((k, v) -> b.append(k).append('=').append(v).append('\n'));
        b.append("blocked=").append(blockedJobs).append('\n');
        b.append("due=").append(new TreeMap<>(dueReschedules)).append('\n');
        b.append("awaiting=").append(new TreeSet<>(awaitingAgent)).append('\n');
        return b.toString();
    }

    /** Whether an agent's report tells nothing new about the allocation (a repeated report). */
    static boolean sameReport(Allocation a, AllocationStatus s) {
        return a.state() == s.state() && a.restartCount() == s.restartCount() && a.message().equals(s.message())
                && (s.exit().isEmpty() || s.exit().equals(a.exit()));
    }
}
