package io.gantry.scheduler.core;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.protocol.cluster.ReconcileRequest;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.RuntimeInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * An in-memory scheduler for tests and the simulator, after Nomad's {@code scheduler/testing.go}:
 * the real {@link SchedulerCore} with a journal (a list), a clock that only moves when told,
 * and a record of every command sent to a node, so that a scenario reads as a script:
 *
 * <pre>{@code
 * h.registerNode(SchedulerHarness.node("n1", 4000, 8 << 30));
 * h.submit(spec);
 * h.acknowledgeAll();                 // agents run what they were sent
 * h.nodeDown("n1");                   // → allocations lost, replaced elsewhere
 * h.failover();                       // journal replayed, epoch + 1
 * }</pre>
 *
 * Agents are not simulated beyond {@link #acknowledgeAll()}, which answers every command sent so
 * far the way a healthy agent would; a test reports anything else with {@link #report}.
 */
public final class SchedulerHarness {

    private final SchedulerCore core;
    private SchedulerState state;
    private Instant now;
    private final List<SchedulerEvent> journal = new ArrayList<>();
    private final List<SchedulerEffect.SendToNode> sent = new ArrayList<>();
    private final List<SchedulerEffect.SendToNode> outbox = new ArrayList<>();
    private Outcome last;

    public SchedulerHarness(SchedulerConfig config, Instant start) {
        this.core = new SchedulerCore(config);
        this.now = start;
        this.state = new SchedulerState();
        Outcome o = core.recover(List.of(), now); // the first incarnation: epoch 1
        this.state = o.state();
        record(o);
    }

    public SchedulerHarness() {
        this(SchedulerConfig.DEFAULT, Instant.parse("2026-01-01T00:00:00Z"));
    }

    /** A node with the given capacity, a runc runtime and no labels or layers. */
    public static NodeInfo node(String id, long cpuMillis, long memoryBytes) {
        return node(id, cpuMillis, memoryBytes, Map.of());
    }

    public static NodeInfo node(String id, long cpuMillis, long memoryBytes, Map<String, String> labels) {
        return new NodeInfo(NodeId.of(id), "http://" + id + ":7070", labels,
                new NodeResources(cpuMillis, memoryBytes), new RuntimeInfo("runc", "1.1.5", Set.of()), Set.of());
    }

    public SchedulerState state() {
        return state;
    }

    public SchedulerCore core() {
        return core;
    }

    public Instant now() {
        return now;
    }

    public List<SchedulerEvent> journal() {
        return Collections.unmodifiableList(journal);
    }

    /** Every command sent to any node so far, in order. */
    public List<SchedulerEffect.SendToNode> sent() {
        return Collections.unmodifiableList(sent);
    }

    /** The outcome of the last command. */
    public Outcome last() {
        return last;
    }

    public Outcome handle(SchedulerCommand command) {
        Outcome o = core.handle(state, now, command);
        record(o);
        return o;
    }

    private void record(Outcome o) {
        last = o;
        journal.addAll(o.events());
        sent.addAll(o.sends());
        outbox.addAll(o.sends());
    }

    public SchedulerReply submit(JobSpec spec) {
        return handle(new SchedulerCommand.SubmitJob(spec)).reply();
    }

    public SchedulerReply stop(String jobId) {
        return handle(new SchedulerCommand.StopJob(jobId)).reply();
    }

    public SchedulerReply scale(String jobId, int count) {
        return handle(new SchedulerCommand.ScaleJob(jobId, count)).reply();
    }

    public SchedulerReply drain(String node) {
        return handle(new SchedulerCommand.DrainNode(NodeId.of(node))).reply();
    }

    public Outcome registerNode(NodeInfo node) {
        return handle(new SchedulerCommand.RegisterNode(node, state.epoch()));
    }

    public Outcome nodeDown(String node) {
        return handle(new SchedulerCommand.NodeDown(NodeId.of(node), "removed from the cluster"));
    }

    /** The allocation's node reports it in {@code state} (exit code 1 for failed, 0 for exited). */
    public Outcome report(AllocationId id, AllocationState allocationState) {
        AllocationRecord a = state.allocation(id).orElseThrow();
        Optional<ExitStatus> exit = switch (allocationState) {
            case FAILED -> Optional.of(ExitStatus.exited(1));
            case EXITED -> Optional.of(ExitStatus.exited(0));
            default -> Optional.empty();
        };
        AllocationStatus status = new AllocationStatus(id, allocationState, exit, 0, "", Optional.empty(), now);
        return handle(new SchedulerCommand.ReportAllocation(a.node().orElseThrow(), state.epoch(), status));
    }

    public Outcome tick() {
        return handle(new SchedulerCommand.Tick());
    }

    /** Moves the clock and ticks. */
    public Outcome advance(Duration d) {
        now = now.plus(d);
        return tick();
    }

    /**
     * A new scheduler incarnation: the journal is replayed into a fresh state and the epoch grows,
     * as after a singleton failover. Commands not yet answered are dropped, as in-flight messages
     * of a dead scheduler would be.
     */
    public Outcome failover() {
        outbox.clear();
        Outcome o = core.recover(List.copyOf(journal), now);
        state = o.state();
        record(o);
        return o;
    }

    /**
     * Answers every command sent and not yet answered the way a healthy agent would, until nothing
     * is left: RunAllocation → running, StopAllocation → stopped, ReconcileRequest → each listed
     * allocation running.
     */
    public void acknowledgeAll() {
        while (!outbox.isEmpty()) {
            SchedulerEffect.SendToNode s = outbox.remove(0);
            AgentCommand c = s.command();
            if (c instanceof RunAllocation r) {
                agentReports(s.node(), r.allocationId(), AllocationState.RUNNING);
            } else if (c instanceof StopAllocation st) {
                agentReports(s.node(), st.allocationId(), AllocationState.STOPPED);
            } else if (c instanceof ReconcileRequest rr) {
                List<AllocationStatus> statuses = new ArrayList<>();
                for (AllocationId id : rr.allocations().stream().sorted().toList()) {
                    statuses.add(AllocationStatus.of(id, AllocationState.RUNNING, "", now));
                }
                handle(new SchedulerCommand.ReportReconcile(s.node(), rr.epoch(), statuses));
            }
        }
    }

    /** Drops commands sent but not answered (lost messages). */
    public void dropOutbox() {
        outbox.clear();
    }

    private void agentReports(NodeId node, AllocationId id, AllocationState s) {
        handle(new SchedulerCommand.ReportAllocation(node, state.epoch(),
                AllocationStatus.of(id, s, "", now)));
    }

    // ---- queries for assertions

    /** The job's allocations that count towards its desired count. */
    public List<AllocationRecord> live(String jobId) {
        return state.allocationsOf(jobId).stream().filter(AllocationRecord::live).toList();
    }

    public List<AllocationRecord> inState(String jobId, AllocationState s) {
        return state.allocationsOf(jobId).stream().filter(a -> a.state() == s).toList();
    }

    public List<RunAllocation> runsSentTo(String node) {
        List<RunAllocation> out = new ArrayList<>();
        for (SchedulerEffect.SendToNode s : sent) {
            if (s.node().value().equals(node) && s.command() instanceof RunAllocation r) {
                out.add(r);
            }
        }
        return out;
    }
}
