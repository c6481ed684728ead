package io.gantry.scheduler.view;

import io.gantry.protocol.allocation.Allocation;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.cluster.NodeUsage;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.scheduler.core.AllocationRecord;
import io.gantry.scheduler.core.JobRecord;
import io.gantry.scheduler.core.NodeRecord;
import io.gantry.scheduler.core.SchedulerState;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * Read models of the scheduler's state for the REST API and the CLI: plain records built from
 * {@link SchedulerState} on the singleton, so that every answer is one consistent moment of it.
 * Pure and cheap: a job's view costs its allocations, a node's its allocations.
 */
public final class SchedulerViews {

    private SchedulerViews() {
    }

    public static List<JobSummary> jobs(SchedulerState state) {
        List<JobSummary> out = new ArrayList<>();
        for (JobRecord j : state.jobs()) {
            Counts c = counts(state, j);
            out.add(new JobSummary(j.id(), j.spec().name(), j.spec().image(), j.version(), c.status, j.spec().count(),
                    c.running, c.pending, j.submittedAt(), j.modifiedAt()));
        }
        return out;
    }

    public static Optional<JobDetail> job(SchedulerState state, String jobId) {
        return state.job(jobId).map(j -> {
            Counts c = counts(state, j);
            List<AllocationView> allocs = new ArrayList<>();
            for (AllocationRecord a : state.allocationsOf(j.id())) {
                allocs.add(allocation(state, a));
            }
            return new JobDetail(j.id(), j.spec().name(), j.spec().image(), j.version(), c.status, j.spec().count(),
                    c.running, c.pending, j.stopped(), j.submittedAt(), j.modifiedAt(), j.spec(), allocs,
                    j.failure().map(f -> new PlacementFailureView(f.unplaced(), f.reasons())));
        });
    }

    public static Optional<AllocationView> allocation(SchedulerState state, String allocationId) {
        AllocationId id;
        try {
            id = AllocationId.of(allocationId);
        } catch (IllegalArgumentException e) {
            return Optional.empty(); // not a valid id, so not one of ours
        }
        return state.allocation(id).map(a -> allocation(state, a));
    }

    public static List<NodeSummary> nodes(SchedulerState state, Map<NodeId, NodeUsage> usage) {
        List<NodeSummary> out = new ArrayList<>();
        for (NodeRecord n : state.nodes()) {
            out.add(node(state, n, usage.get(n.id())));
        }
        return out;
    }

    public static Optional<NodeDetail> node(SchedulerState state, String nodeId, Map<NodeId, NodeUsage> usage) {
        NodeId id;
        try {
            id = NodeId.of(nodeId);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        return state.node(id).map(n -> {
            List<AllocationView> allocs = new ArrayList<>();
            for (AllocationRecord a : state.allocationsOn(id)) {
                allocs.add(allocation(state, a));
            }
            return new NodeDetail(node(state, n, usage.get(id)), allocs);
        });
    }

    /** Allocations by state, every state present (zero when none), for metrics. */
    public static Map<String, Long> allocationsByState(SchedulerState state) {
        Map<String, Long> out = new TreeMap<>();
        for (AllocationState s : AllocationState.values()) {
            out.put(s.text(), 0L);
        }
        for (JobRecord j : state.jobs()) {
            for (AllocationRecord a : state.allocationsOf(j.id())) {
                out.merge(a.state().text(), 1L, Long::sum);
            }
        }
        return out;
    }

    public static Map<String, Long> jobsByStatus(SchedulerState state) {
        Map<String, Long> out = new TreeMap<>();
        for (String s : List.of("running", "starting", "pending", "degraded", "complete", "idle", "stopped")) {
            out.put(s, 0L);
        }
        for (JobRecord j : state.jobs()) {
            out.merge(counts(state, j).status, 1L, Long::sum);
        }
        return out;
    }

    public static Map<String, Long> nodesByStatus(SchedulerState state) {
        Map<String, Long> out = new TreeMap<>();
        for (io.gantry.protocol.node.NodeStatus s : io.gantry.protocol.node.NodeStatus.values()) {
            out.put(text(s), 0L);
        }
        for (NodeRecord n : state.nodes()) {
            out.merge(text(n.status()), 1L, Long::sum);
        }
        return out;
    }

    static AllocationView allocation(SchedulerState state, AllocationRecord a) {
        Allocation x = a.allocation();
        Optional<String> address = a.node().flatMap(state::node).map(n -> n.info().address());
        return new AllocationView(a.id().value(), a.jobId(), x.jobVersion(), a.index(), a.node().map(NodeId::value),
                address, a.state().text(), x.message(), x.restartCount(), x.exit(), x.createdAt(), x.modifiedAt(),
                x.startedAt(), x.finishedAt(),
                a.stopRequested() ? Optional.of(a.stopReason()) : Optional.empty(),
                a.previous().map(AllocationId::value), a.replacedBy().map(AllocationId::value),
                a.replacedBy().isPresent() ? Optional.empty() : a.rescheduleAt());
    }

    private static NodeSummary node(SchedulerState state, NodeRecord n, NodeUsage usage) {
        NodeInfo i = n.info();
        return new NodeSummary(i.id().value(), i.address(), text(n.status()), n.statusReason(), n.statusSince(),
                i.labels(), new NodeSummary.ResourcesView(i.capacity().cpuMillis(), i.capacity().memoryBytes()),
                new NodeSummary.ResourcesView(n.reserved().cpuMillis(), n.reserved().memoryBytes()),
                state.allocationsOn(n.id()).size(), i.runtime().name() + " " + i.runtime().version(),
                n.registeredEpoch(), i.layers().size(),
                Optional.ofNullable(usage).map(u -> new NodeSummary.UsageView(u.used().cpuMillis(),
                        u.used().memoryBytes(), u.runningAllocations(), u.at())));
    }

    private static String text(io.gantry.protocol.node.NodeStatus s) {
        return s.name().toLowerCase(Locale.ROOT);
    }

    private record Counts(String status, int running, int pending) {
    }

    /** The job's status by the rules in {@link JobSummary}; the first that applies wins. */
    private static Counts counts(SchedulerState state, JobRecord j) {
        int running = 0;
        int pending = 0;
        int starting = 0;
        Set<Integer> done = new HashSet<>();
        for (AllocationRecord a : state.allocationsOf(j.id())) {
            if (a.live()) {
                switch (a.state()) {
                    case RUNNING -> running++;
                    case PENDING -> pending++;
                    default -> starting++;
                }
            } else if (a.state() == AllocationState.EXITED && !a.stopRequested()
                    && a.allocation().jobVersion() >= j.replaceVersion()) {
                done.add(a.index());
            }
        }
        int count = j.spec().count();
        String status;
        if (j.stopped()) {
            status = "stopped";
        } else if (count == 0) {
            status = "idle";
        } else if (running >= count) {
            status = "running";
        } else if (pending > 0) {
            status = "pending";
        } else if (starting > 0) {
            status = "starting";
        } else if (running + done.size() >= count && !done.isEmpty()) {
            status = running == 0 ? "complete" : "running";
        } else {
            status = "degraded";
        }
        return new Counts(status, running, pending);
    }
}
