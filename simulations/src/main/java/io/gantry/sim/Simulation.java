package io.gantry.sim;

import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.cluster.AllocationStatusChanged;
import io.gantry.protocol.cluster.LayersChanged;
import io.gantry.protocol.cluster.ReconcileReport;
import io.gantry.protocol.cluster.ReconcileRequest;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.scheduler.core.NodeRecord;
import io.gantry.scheduler.core.SchedulerCommand;
import io.gantry.scheduler.core.SchedulerCore;
import io.gantry.scheduler.core.SchedulerEvent;

import io.gantry.agent.restart.RestartTracker;

import java.io.Writer;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * One deterministic run: a cluster of simulated nodes (agents and scheduler-role nodes), the real
 * {@link SchedulerCore} as the singleton, the users, the fault schedule and the checker, all
 * driven by one {@link EventLoop} and one seed.
 *
 * <p>Random streams are split off the seed in a fixed order — workload, faults, network,
 * runtime, cluster — so that the same seed and options give the same trace, and a fault schedule
 * read from a file gives the same run as the one generated from the seed.
 *
 * <p>Nothing here reads a wall clock, starts a thread or iterates a hash-ordered collection to
 * make a decision; the scheduler core gets its time from the simulated node it runs on.
 */
public final class Simulation {

    /** The simulated wall clock's zero: 2026-01-01T00:00:00Z. */
    static final long EPOCH_MILLIS = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    /** The restart tracker's jitter: up to +10 % on each delay, drawn from the run's random stream. */
    static final double RESTART_JITTER = 0.1;

    private final SimOptions options;
    private final long seed;
    private final EventLoop loop = new EventLoop();
    private final Trace trace;
    private final Topology topology;
    private final Workload workload;
    private final FaultSchedule schedule;
    private final SimNode[] nodes;
    private final SimAgent[] agents;
    private final SimNetwork network;
    private final Journal journal;
    private final SimRegistry registry;
    private final Membership membership;
    private final SimClient client;
    private final Checker checker;
    private final FaultInjector faults;
    private final SchedulerCore core = new SchedulerCore();
    private final SimStats stats = new SimStats();
    private final long activeEnd;
    private final long sampleInterval;
    private SchedulerProcess singleton;
    private Checker.Violation violation;
    private long violationLine;
    /** Simulated time run on after the first violation, for the trace after it. */
    static final long AFTER_VIOLATION = 2_000;
    private long lastEpoch;
    private final SimRandom runtimeRnd;
    private final Clock[] clocks;

    /**
     * @param schedule the faults, or null to draw the default schedule from the seed
     * @param traceFile where to write every trace line, or null
     */
    public Simulation(SimOptions options, long seed, FaultSchedule schedule, Writer traceFile) {
        this.options = options;
        this.seed = seed;
        SimRandom root = new SimRandom(seed);
        SimRandom workloadRnd = root.split();
        SimRandom faultRnd = root.split();
        SimRandom networkRnd = root.split();
        SimRandom runtimeRnd = root.split();
        SimRandom clusterRnd = root.split();
        SimRandom clientRnd = root.split();
        this.trace = new Trace(loop, 200, traceFile);
        this.topology = new Topology(options.nodes(), options.schedulers());
        this.workload = new Workload(workloadRnd, options.jobs(), options.allocations(), options.nodes());
        this.activeEnd = Math.max(0, options.durationMillis() - options.convergeWithin() - 60_000);
        this.schedule = schedule != null ? schedule
                : FaultSchedule.generate(faultRnd, topology, workload.jobIds(), activeEnd, options.excludedKinds());
        this.nodes = new SimNode[topology.size() + 1];
        for (int i = 0; i < topology.size(); i++) {
            nodes[i] = new SimNode(i, topology.name(i), topology.isAgent(i));
        }
        nodes[topology.size()] = new SimNode(topology.size(), "client", false);
        nodes[topology.size()].startProcess();
        this.runtimeRnd = runtimeRnd;
        this.clocks = new Clock[nodes.length];
        for (int i = 0; i < nodes.length; i++) {
            clocks[i] = new NodeClock(i);
        }
        this.network = new SimNetwork(this, networkRnd, this::receive, nodes.length, options.loss());
        this.journal = new Journal(options.journalJson());
        this.registry = new SimRegistry(this, seed);
        this.agents = new SimAgent[topology.agents()];
        long gib = 1L << 30;
        for (int i = 0; i < topology.agents(); i++) {
            int size = i % 3;
            NodeResources cap = switch (size) {
                case 0 -> new NodeResources(4_000, 16 * gib);
                case 1 -> new NodeResources(8_000, 32 * gib);
                default -> new NodeResources(16_000, 64 * gib);
            };
            agents[i] = new SimAgent(this, runtimeRnd, i, SimAgent.info(topology.name(i), cap,
                    Map.of("zone", "z" + (topology.rack(i) % 3), "rack", "r" + topology.rack(i))));
        }
        long cpuCap = 0;
        long memCap = 0;
        for (SimAgent a : agents) {
            cpuCap += a.capacity().cpuMillis();
            memCap += a.capacity().memoryBytes();
        }
        workload.checkFits(cpuCap, memCap, 0.7);
        this.membership = new Membership(this, clusterRnd);
        this.checker = new Checker(this);
        this.client = new SimClient(this, clientRnd);
        this.faults = new FaultInjector(this);
        this.sampleInterval = Math.max(1_000, options.durationMillis() / 600);
    }

    // ------------------------------------------------------------------ running

    /** Runs to the end of the simulated duration or the first violation. */
    public SimResult run() {
        membership.boot();
        client.start(activeEnd);
        faults.schedule(schedule);
        checker.armConvergenceCheck();
        every(60_000, this::periodicChecks);
        every(sampleInterval, this::sample);
        loop.runUntil(options.durationMillis());
        checker.finish();
        traceAroundViolation();
        return SimResult.of(this);
    }

    private void every(long interval, Runnable r) {
        loop.after(interval, () -> {
            r.run();
            every(interval, r);
        });
    }

    private void periodicChecks() {
        SchedulerProcess s = singleton;
        if (s != null && s.ready()) {
            checker.checkAcknowledged(s.state(), "at " + SimDurations.seconds(now()) + " s");
            checker.checkSchedulerState(s.state());
        }
    }

    private void sample() {
        int up = 0;
        long cpuHeld = 0;
        long memHeld = 0;
        long cpuCap = 0;
        long memCap = 0;
        for (SimAgent a : agents) {
            SimNode n = nodes[a.index];
            if (n.machineUp()) {
                cpuHeld += a.heldCpu;
                memHeld += a.heldMemory;
                cpuCap += a.capacity().cpuMillis();
                memCap += a.capacity().memoryBytes();
            }
            if (n.processUp() && n.member()) {
                up++;
            }
        }
        int ready = 0;
        if (singleton != null && singleton.ready()) {
            for (NodeRecord r : singleton.state().nodes()) {
                ready += r.status() == NodeStatus.READY ? 1 : 0;
            }
        }
        double cpu = cpuCap == 0 ? 0 : (double) cpuHeld / cpuCap;
        double mem = memCap == 0 ? 0 : (double) memHeld / memCap;
        stats.samples.add(new SimStats.Sample(now(), stats.running, checker.desiredTotal(), up, ready, cpu, mem));
        stats.cpuUtilSum += cpu;
        stats.memUtilSum += mem;
        stats.cpuUtilPeak = Math.max(stats.cpuUtilPeak, cpu);
        stats.memUtilPeak = Math.max(stats.memUtilPeak, mem);
    }

    void violated(Checker.Violation v) {
        if (violation == null) {
            violation = v;
            trace.begin().append("VIOLATION ").append(v.invariant()).append(": ").append(v.message());
            trace.end();
            violationLine = trace.lines();
            if (!options.keepGoing()) {
                // a little more, so that the report shows the trace around it, then stop
                loop.after(AFTER_VIOLATION, loop::stop);
            }
        }
    }

    /** The trace around the violation: 60 lines before it, up to 20 after. */
    private void traceAroundViolation() {
        if (violation != null) {
            List<String> around = trace.window(violationLine - 60, violationLine + 21);
            violation = new Checker.Violation(violation.invariant(), violation.at(), violation.message(), around);
        }
    }

    /** When the cluster stops being disturbed: the last fault's end, or the last user request. */
    long faultsOverAt() {
        long t = Math.max(schedule.lastEnd(), client.lastRequestAt());
        if (!client.idle()) {
            t = Math.max(t, now());
        }
        return t;
    }

    void requestsSettled() {
        checker.armConvergenceCheck();
    }

    // ------------------------------------------------------------------ the network's receiver

    private void receive(int from, int to, Object message) {
        if (traceMessages()) {
            StringBuilder b = trace.begin().append("msg ").append(name(from)).append(" -> ").append(name(to)).append(' ');
            describe(b, message);
            trace.end();
        }
        if (to == clientIndex()) {
            client.reply((Messages.ClientReply) message);
        } else if (message instanceof Messages.ToAgent m) {
            agents[to].receive(from, m);
        } else if (message instanceof Messages.ToScheduler m) {
            SchedulerProcess s = singleton;
            if (s != null && s.host == to && s.singleton == m.singleton()) {
                s.fromAgent(m.report());
            }
        } else if (message instanceof Messages.ClientRequest r) {
            SchedulerProcess s = singleton;
            if (s != null && s.host == to) {
                s.deliver(r.command(), r.requestId());
            }
        } else {
            throw new IllegalStateException("unexpected message " + message);
        }
    }

    boolean traceMessages() {
        return true;
    }

    /** A short canonical description of a message for the trace. */
    static void describe(StringBuilder b, Object m) {
        if (m instanceof Messages.ToAgent a) {
            Object c = a.command();
            b.append("e").append(a.command().epoch()).append(' ');
            if (c instanceof RunAllocation r) {
                b.append("run ").append(r.allocationId());
            } else if (c instanceof StopAllocation s) {
                b.append("stop ").append(s.allocationId());
            } else if (c instanceof ReconcileRequest r) {
                b.append("reconcile n=").append(r.allocations().size());
            } else {
                b.append("registered");
            }
        } else if (m instanceof Messages.ToScheduler s) {
            Object r = s.report();
            if (r instanceof AllocationStatusChanged a) {
                AllocationStatus st = a.status();
                b.append("status ").append(st.allocationId()).append(' ').append(st.state().text()).append(" r=")
                        .append(st.restartCount());
            } else if (r instanceof ReconcileReport rr) {
                b.append("reconciled n=").append(rr.allocations().size());
            } else if (r instanceof LayersChanged l) {
                b.append("layers +").append(l.added().size());
            } else if (r instanceof SchedulerCommand.RegisterNode rn) {
                b.append("register seen=").append(rn.epochSeen());
            } else {
                b.append(r.getClass().getSimpleName());
            }
        } else if (m instanceof Messages.ClientRequest r) {
            b.append("request ").append(r.requestId()).append(' ').append(r.command().getClass().getSimpleName());
        } else if (m instanceof Messages.ClientReply r) {
            b.append("reply ").append(r.requestId()).append(' ').append(r.reply().getClass().getSimpleName());
        } else {
            b.append(m.getClass().getSimpleName());
        }
    }

    // ------------------------------------------------------------------ the singleton

    SchedulerProcess singleton() {
        return singleton;
    }

    void singletonStarted(SchedulerProcess p) {
        singleton = p;
        stats.singletonsStarted++;
    }

    void singletonGone(SchedulerProcess p) {
        if (singleton == p) {
            singleton = null;
        }
        if (options.unsafe("lose-journal") && p.recoveredFrom() >= 0) {
            // test-only: a store that acknowledged writes it then loses with the writer
            journal.truncate(p.recoveredFrom());
            trace.begin().append("journal-lost-writes of singleton ").append(p.singleton).append(" journal=")
                    .append(journal.size());
            trace.end();
        }
        for (SimAgent a : agents) {
            a.schedulerGone(p.singleton);
        }
    }

    /**
     * The singleton stopped on a failed write (another incarnation wrote first): its supervisor
     * starts it again after a back-off, and the new incarnation recovers what is in the journal now.
     */
    void singletonFailed(SchedulerProcess p) {
        if (singleton != p) {
            return;
        }
        loop.after(2_000, () -> {
            if (singleton == p) {
                singletonGone(p);
                membership.ensureSingleton();
            }
        });
    }

    void schedulerReady(SchedulerProcess p) {
        lastEpoch = p.state().epoch();
        for (int i = 0; i < agents.length; i++) {
            if (nodes[i].processUp() && nodes[i].member()) {
                membership.discover(i, p);
            }
        }
        contactChanged();
    }

    /** Every agent re-evaluates whether it reaches a scheduler (fencing after a long loss of contact). */
    void contactChanged() {
        SchedulerProcess s = singleton;
        boolean exists = s != null && s.alive() && !s.paused();
        for (int i = 0; i < agents.length; i++) {
            if (nodes[i].processUp()) {
                agents[i].checkContact(exists && !network.separated(i, s.host));
            }
        }
    }

    void eventsPersisted(List<SchedulerEvent> events) {
        stats.eventsPersisted += events.size();
        for (SchedulerEvent e : events) {
            if (e instanceof SchedulerEvent.PlanApplied p) {
                stats.plans++;
                stats.placements += p.placed().size();
            } else if (e instanceof SchedulerEvent.NodeDown) {
                stats.nodeDowns++;
            }
        }
        trace.begin().append("persist ").append(events.size()).append(" journal=").append(journal.size());
        trace.end();
        checker.scheduled(events);
    }

    /** The node is about to lose its containers (crash or downing): the checker will want them replaced. */
    void nodeDying(int node, String why) {
        List<SimContainer> lost = new ArrayList<>();
        for (SimContainer c : agents[node].containers.values()) {
            if (c.phase != SimContainer.Phase.DONE && c.phase != SimContainer.Phase.STOPPING && !c.stopRequested) {
                lost.add(c);
            }
        }
        checker.nodeDied(agents[node], lost, why);
    }

    // ------------------------------------------------------------------ accessors for the parts

    public long now() {
        return loop.now();
    }

    EventLoop loop() {
        return loop;
    }

    Trace trace() {
        return trace;
    }

    SimOptions options() {
        return options;
    }

    long seed() {
        return seed;
    }

    Topology topology() {
        return topology;
    }

    Workload workload() {
        return workload;
    }

    FaultSchedule schedule() {
        return schedule;
    }

    SimNode node(int i) {
        return nodes[i];
    }

    String name(int i) {
        return nodes[i].name();
    }

    SimAgent agent(int i) {
        return agents[i];
    }

    SimAgent[] agents() {
        return agents;
    }

    int clientIndex() {
        return topology.size();
    }

    int indexOf(NodeId id) {
        return topology.indexOf(id.value());
    }

    SimNetwork network() {
        return network;
    }

    Journal journal() {
        return journal;
    }

    SimRegistry registry() {
        return registry;
    }

    Membership membership() {
        return membership;
    }

    SimClient client() {
        return client;
    }

    Checker checker() {
        return checker;
    }

    FaultInjector faults() {
        return faults;
    }

    SchedulerCore core() {
        return core;
    }

    SimStats stats() {
        return stats;
    }

    long sampleInterval() {
        return sampleInterval;
    }

    long lastEpoch() {
        return lastEpoch;
    }

    Checker.Violation violation() {
        return violation;
    }

    /** The node's wall clock now, as an Instant (what its process stamps). */
    Instant instantAt(int node) {
        return Instant.ofEpochMilli(EPOCH_MILLIS + nodes[node].localTime(loop.now()));
    }

    Instant instantAtLocal(long localMillis) {
        return Instant.ofEpochMilli(EPOCH_MILLIS + localMillis);
    }

    /** The node agent's restart tracker for one allocation, on the node's simulated wall clock. */
    RestartTracker restartTracker(JobSpec spec, int node) {
        return new RestartTracker(spec.restart(), spec.restartBackoff(), RestartTracker.DEFAULT_RESET_AFTER,
                RestartTracker.DEFAULT_CRASH_LOOP_AFTER, RESTART_JITTER, runtimeRnd, clocks[node]);
    }

    /** A node's wall clock as a {@link Clock}: true simulated time plus the node's offset. */
    private final class NodeClock extends Clock {
        private final int node;

        NodeClock(int node) {
            this.node = node;
        }

        @Override
        public ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            throw new UnsupportedOperationException("simulated clocks are UTC");
        }

        @Override
        public Instant instant() {
            return instantAt(node);
        }
    }
}
