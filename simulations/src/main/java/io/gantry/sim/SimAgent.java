package io.gantry.sim;

import io.gantry.agent.restart.RestartDecision;
import io.gantry.agent.restart.RestartTracker;
import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.allocation.AllocationState;
import io.gantry.protocol.allocation.AllocationStatus;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.cluster.AgentCommand;
import io.gantry.protocol.cluster.AllocationStatusChanged;
import io.gantry.protocol.cluster.LayersChanged;
import io.gantry.protocol.cluster.NodeRegistered;
import io.gantry.protocol.cluster.ReconcileReport;
import io.gantry.protocol.cluster.ReconcileRequest;
import io.gantry.protocol.cluster.RunAllocation;
import io.gantry.protocol.cluster.StopAllocation;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeInfo;
import io.gantry.protocol.node.NodeResources;
import io.gantry.protocol.node.RuntimeInfo;
import io.gantry.protocol.oci.Digest;
import io.gantry.scheduler.core.SchedulerCommand;
import io.gantry.scheduler.placement.ImageLayer;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * A simulated node agent with a fake container runtime: what the real NodeAgent and its
 * per-allocation supervisors do, as seen from the scheduler and the checker.
 *
 * <ul>
 *   <li><b>Fencing by epoch</b>: a command stamped with an epoch older than the highest the
 *       agent has accepted is dropped; a newer one raises it (kept on disk across restarts).</li>
 *   <li><b>Registration</b>: at start and whenever a new singleton appears, RegisterNode is sent
 *       (again every few seconds) until that incarnation answers NodeRegistered. Reports go to
 *       the singleton the agent knows, buffered while there is none (Pekko's singleton proxy).</li>
 *   <li><b>Running an allocation</b>: pull the missing layers (a peer that holds a layer and is
 *       reachable first, the registry last; per-link bandwidth), start (latency, rare start
 *       failure), run until the program exits, then ask the node agent's own
 *       {@link RestartTracker} (the real class, with the agent's simulated clock and the run's
 *       random stream for its jitter) whether and when to start it again. Terminal
 *       reports are repeated twice, because nothing acknowledges them.</li>
 *   <li><b>Reconcile</b>: answer a ReconcileRequest with the status of every allocation asked
 *       about (unknown ones are lost) and stop anything running that the scheduler did not list.</li>
 *   <li><b>Self-fencing</b>: when the node is downed (split brain resolver) the agent stops its
 *       containers before its process exits; when it cannot reach any scheduler for
 *       {@link #FENCE_AFTER} it stops them too, as a downed node would.</li>
 *   <li><b>Restarts</b>: an agent restart re-adopts its running containers; a machine crash
 *       loses them (their allocations are reported lost on reconcile).</li>
 * </ul>
 */
final class SimAgent {

    static final long FENCE_AFTER = 60_000;
    static final long REGISTER_RETRY = 5_000;
    static final long FORGET_AFTER = 10 * 60_000;
    static final double START_FAILURE = 0.01;
    static final long REGISTRY_BYTES_PER_MS = 100L * 1024 * 1024 / 1000;

    private final Simulation sim;
    private final SimRandom rnd;
    final int index;
    final NodeId id;
    private final NodeInfo baseInfo;
    // on disk: survives agent restarts and machine crashes
    long epochSeen;
    final LinkedHashSet<Digest> layers = new LinkedHashSet<>();
    // the runtime's containers: survive agent restarts, not machine crashes
    final LinkedHashMap<AllocationId, SimContainer> containers = new LinkedHashMap<>();
    long heldCpu;
    long heldMemory;
    // the process
    private int processGen;
    private long knownSingleton = -1;
    private int knownHost = -1;
    private boolean registered;
    private final ArrayDeque<Object> proxyBuffer = new ArrayDeque<>();
    private final Map<Digest, Pull> pulls = new LinkedHashMap<>();
    private boolean fenced;
    private long lostContactSince = -1;
    private int contactGen;

    private final class Pull {
        final ImageLayer layer;
        final List<SimContainer> waiters = new ArrayList<>();
        int attempts;

        Pull(ImageLayer layer) {
            this.layer = layer;
        }
    }

    SimAgent(Simulation sim, SimRandom rnd, int index, NodeInfo info) {
        this.sim = sim;
        this.rnd = rnd;
        this.index = index;
        this.id = info.id();
        this.baseInfo = info;
    }

    NodeResources capacity() {
        return baseInfo.capacity();
    }

    private boolean up() {
        return sim.node(index).processUp();
    }

    private boolean noFencing() {
        return sim.options().unsafe("no-fencing");
    }

    // ---------------------------------------------------------------- process lifecycle

    /** A new agent process: forget connections and in-flight work, re-adopt the containers. */
    void processStarted() {
        processGen++;
        knownSingleton = -1;
        knownHost = -1;
        registered = false;
        proxyBuffer.clear();
        pulls.clear();
        fenced = false;
        lostContactSince = -1;
        contactGen++;
        for (SimContainer c : new ArrayList<>(containers.values())) {
            switch (c.phase) {
                case PULLING -> startPulling(c);
                case STARTING -> create(c);
                case BACKOFF -> {
                    int g = ++c.gen;
                    sim.loop().at(Math.max(sim.now(), c.nextRestartAt), () -> {
                        if (c.gen == g && up()) {
                            restartNow(c);
                        }
                    });
                    c.checkerAgentGap = true;
                }
                case RUNNING, STOPPING -> {
                    if (c.exitedWhileAgentDown != null) {
                        ExitStatus e = c.exitedWhileAgentDown;
                        c.exitedWhileAgentDown = null;
                        c.checkerAgentGap = true;
                        if (c.phase == SimContainer.Phase.STOPPING) {
                            finish(c, c.terminal == null ? AllocationState.STOPPED : c.terminal, c.message);
                        } else {
                            exited(c, e, c.exitedAt);
                        }
                    }
                }
                case DONE -> {
                    // from the state directory: how every recent allocation ended, in case the
                    // report was lost with the old process (buffered until a scheduler is known)
                    report(c);
                    if (c.reportOnStart) {
                        c.reportOnStart = false;
                        scheduleForget(c);
                    }
                }
                default -> throw new IllegalStateException(c.phase.toString());
            }
        }
        sim.trace().begin().append("agent-start ").append(id).append(" containers=").append(liveCount());
        sim.trace().end();
    }

    /**
     * The process ends. {@code fence}: it was downed or is shutting down, and stops its
     * containers first (the no-fencing test mode leaves them running).
     */
    void processStopping(boolean fence, String why) {
        if (fence && !noFencing()) {
            for (SimContainer c : new ArrayList<>(containers.values())) {
                if (c.phase != SimContainer.Phase.DONE && c.phase != SimContainer.Phase.STOPPING) {
                    stop(c, AllocationState.LOST, "node fenced: " + why, false);
                }
            }
        }
        processGen++;
        pulls.clear();
    }

    /**
     * The machine died: every container with it. The disk survives: layers, the epoch, and the
     * agent's record of its allocations, which the next agent process reports as lost.
     */
    void machineCrashed() {
        processGen++;
        pulls.clear();
        for (SimContainer c : new ArrayList<>(containers.values())) {
            c.gen++;
            if (c.phase != SimContainer.Phase.DONE) {
                c.terminal = AllocationState.LOST;
                c.message = "container gone: the machine crashed";
                c.reportOnStart = true;
                setPhase(c, SimContainer.Phase.DONE);
            }
        }
    }

    int liveCount() {
        int n = 0;
        for (SimContainer c : containers.values()) {
            n += c.phase != SimContainer.Phase.DONE ? 1 : 0;
        }
        return n;
    }

    // ---------------------------------------------------------------- the scheduler, seen from here

    /** A (new) singleton incarnation was identified; register with it. */
    void schedulerAppeared(int host, long singleton) {
        if (!up()) {
            return;
        }
        knownHost = host;
        knownSingleton = singleton;
        registered = false;
        register(processGen, singleton);
    }

    /** The singleton the agent knew is gone: buffer reports until the next one appears. */
    void schedulerGone(long singleton) {
        if (knownSingleton == singleton) {
            knownSingleton = -1;
            knownHost = -1;
            registered = false;
        }
    }

    private void register(int pgen, long singleton) {
        if (!up() || pgen != processGen || knownSingleton != singleton || registered) {
            return;
        }
        NodeInfo info = new NodeInfo(id, baseInfo.address(), baseInfo.labels(), baseInfo.capacity(),
                baseInfo.runtime(), Set.copyOf(layers));
        sim.network().send(index, knownHost, new Messages.ToScheduler(singleton,
                new SchedulerCommand.RegisterNode(info, epochSeen)));
        sim.loop().after(REGISTER_RETRY, () -> register(pgen, singleton));
    }

    private void toScheduler(Object report) {
        if (!up()) {
            return;
        }
        if (knownSingleton < 0) {
            if (proxyBuffer.size() < 1000) {
                proxyBuffer.addLast(report);
            }
            return;
        }
        sim.network().send(index, knownHost, new Messages.ToScheduler(knownSingleton, report));
    }

    private void flushProxy() {
        while (!proxyBuffer.isEmpty() && knownSingleton >= 0) {
            sim.network().send(index, knownHost, new Messages.ToScheduler(knownSingleton, proxyBuffer.pollFirst()));
        }
    }

    /** Re-evaluates whether a scheduler is reachable; fences the node after {@link #FENCE_AFTER} without one. */
    void checkContact(boolean contact) {
        if (!up()) {
            return;
        }
        if (contact) {
            if (lostContactSince >= 0) {
                lostContactSince = -1;
                contactGen++;
            }
            return;
        }
        if (lostContactSince >= 0) {
            return;
        }
        lostContactSince = sim.now();
        int g = ++contactGen;
        int pgen = processGen;
        sim.loop().after(FENCE_AFTER, () -> {
            if (g == contactGen && pgen == processGen && up() && !noFencing()) {
                fence();
            }
        });
    }

    private void fence() {
        fenced = true;
        int n = 0;
        for (SimContainer c : new ArrayList<>(containers.values())) {
            if (c.phase != SimContainer.Phase.DONE && c.phase != SimContainer.Phase.STOPPING) {
                stop(c, AllocationState.LOST, "fenced: no scheduler reachable for " + FENCE_AFTER / 1000 + "s", true);
                n++;
            }
        }
        sim.trace().begin().append("agent-fence ").append(id).append(" stopped=").append(n);
        sim.trace().end();
    }

    // ---------------------------------------------------------------- commands

    void receive(int fromHost, Messages.ToAgent m) {
        AgentCommand c = m.command();
        if (c.epoch() < epochSeen && !noFencing()) {
            sim.trace().begin().append("agent-reject ").append(id).append(" epoch=").append(c.epoch())
                    .append(" seen=").append(epochSeen).append(' ').append(c.getClass().getSimpleName());
            sim.trace().end();
            sim.stats().staleCommandsRejected++;
            return;
        }
        if (c.epoch() > epochSeen) {
            epochSeen = c.epoch();
        }
        if (c instanceof NodeRegistered) {
            if (m.singleton() == knownSingleton && !registered) {
                registered = true;
                if (fenced) {
                    fenced = false;
                }
                flushProxy();
            }
        } else if (c instanceof RunAllocation r) {
            run(r);
        } else if (c instanceof StopAllocation s) {
            SimContainer ct = containers.get(s.allocationId());
            if (ct == null) {
                // not here (never was, or long forgotten): say so, or the scheduler asks forever
                toScheduler(new AllocationStatusChanged(id, epochSeen, AllocationStatus.of(s.allocationId(),
                        AllocationState.STOPPED, "not running on " + id, sim.instantAt(index))));
                return;
            }
            if (ct.phase == SimContainer.Phase.DONE) {
                report(ct);
            } else if (ct.phase != SimContainer.Phase.STOPPING) {
                stop(ct, AllocationState.STOPPED, s.reason(), true);
            }
        } else if (c instanceof ReconcileRequest rr) {
            reconcile(rr);
        }
    }

    private void run(RunAllocation r) {
        SimContainer existing = containers.get(r.allocationId());
        if (existing != null) {
            report(existing);
            return;
        }
        if (fenced) {
            return;
        }
        Workload.Job job = sim.workload().job(r.job().id());
        RestartTracker tracker = sim.restartTracker(r.job(), index);
        SimContainer c = new SimContainer(r.allocationId(), r.job(), r.jobVersion(), r.index(), job, index, tracker,
                sim.now());
        containers.put(c.id, c);
        heldCpu += c.reserved.cpuMillis();
        heldMemory += c.reserved.memoryBytes();
        startPulling(c);
    }

    private void reconcile(ReconcileRequest rr) {
        List<AllocationStatus> out = new ArrayList<>();
        for (AllocationId a : new TreeSet<>(rr.allocations())) {
            SimContainer c = containers.get(a);
            if (c == null) {
                out.add(AllocationStatus.of(a, AllocationState.LOST, "unknown to the agent on " + id,
                        sim.instantAt(index)));
            } else {
                out.add(status(c));
            }
        }
        for (SimContainer c : new ArrayList<>(containers.values())) {
            if (!rr.allocations().contains(c.id) && c.phase != SimContainer.Phase.DONE
                    && c.phase != SimContainer.Phase.STOPPING) {
                stop(c, AllocationState.STOPPED, "not known to the scheduler (epoch " + rr.epoch() + ")", false);
            }
        }
        ReconcileReport report = new ReconcileReport(id, rr.epoch(), out);
        toScheduler(report);
        int pgen = processGen;
        long singleton = knownSingleton;
        sim.loop().after(5_000, () -> {
            if (pgen == processGen && singleton == knownSingleton) {
                toScheduler(report);
            }
        });
    }

    // ---------------------------------------------------------------- pulling and starting

    private void startPulling(SimContainer c) {
        setPhase(c, SimContainer.Phase.PULLING);
        Workload.Image image = sim.workload().image(c.spec.image());
        boolean missing = false;
        for (ImageLayer l : image.layers()) {
            if (!layers.contains(l.digest())) {
                missing = true;
                Pull p = pulls.get(l.digest());
                if (p == null) {
                    p = new Pull(l);
                    pulls.put(l.digest(), p);
                    startPull(p, processGen);
                }
                p.waiters.add(c);
            }
        }
        if (missing) {
            report(c);
        } else {
            create(c);
        }
    }

    private void startPull(Pull p, int pgen) {
        int peer = sim.registry().choosePeer(p.layer.digest(), index, rnd);
        long bytesPerMs;
        String source;
        boolean fail;
        if (peer >= 0) {
            bytesPerMs = sim.registry().peerBandwidth(index, peer);
            source = sim.name(peer);
            fail = rnd.chance(sim.registry().failingPulls());
        } else {
            source = "registry";
            bytesPerMs = Math.max(1, (long) (REGISTRY_BYTES_PER_MS * sim.registry().slowFactor()));
            fail = sim.registry().outage() || rnd.chance(sim.registry().failingPulls());
        }
        long duration = 20 + p.layer.size() / bytesPerMs;
        if (fail) {
            duration = sim.registry().outage() && peer < 0 ? 2_000 : rnd.between(10, duration);
        }
        final boolean failed = fail;
        final int from = peer;
        sim.loop().after(duration, () -> pullDone(p, pgen, from, failed));
        StringBuilder b = sim.trace().begin().append("pull-start ").append(id).append(' ')
                .append(p.layer.digest().shortHex()).append(" from=").append(source).append(" bytes=")
                .append(p.layer.size());
        sim.trace().end();
        sim.stats().pulls++;
        if (peer >= 0) {
            sim.stats().peerPulls++;
        }
    }

    private void pullDone(Pull p, int pgen, int peer, boolean failed) {
        if (pgen != processGen || pulls.get(p.layer.digest()) != p) {
            return;
        }
        boolean ok = !failed;
        if (ok && peer >= 0) {
            SimNode src = sim.node(peer);
            ok = src.processUp() && !sim.network().separated(index, peer);
        } else if (ok && sim.registry().outage()) {
            ok = false;
        }
        sim.trace().begin().append(ok ? "pull-done " : "pull-failed ").append(id).append(' ')
                .append(p.layer.digest().shortHex());
        sim.trace().end();
        if (ok) {
            pulls.remove(p.layer.digest());
            layers.add(p.layer.digest());
            sim.registry().addHolder(p.layer.digest(), index);
            toScheduler(new LayersChanged(id, Set.of(p.layer.digest()), Set.of(), sim.instantAt(index)));
            for (SimContainer c : p.waiters) {
                if (c.phase == SimContainer.Phase.PULLING && containers.get(c.id) == c) {
                    continuePulling(c);
                }
            }
            return;
        }
        p.attempts++;
        sim.stats().pullFailures++;
        if (p.attempts < 4) {
            sim.loop().after(1000L << (p.attempts - 1), () -> {
                if (pgen == processGen && pulls.get(p.layer.digest()) == p) {
                    startPull(p, pgen);
                }
            });
            return;
        }
        pulls.remove(p.layer.digest());
        for (SimContainer c : p.waiters) {
            if (c.phase == SimContainer.Phase.PULLING && containers.get(c.id) == c) {
                startFailed(c, "pull layer " + p.layer.digest().shortHex() + " failed 4 times");
            }
        }
    }

    private void continuePulling(SimContainer c) {
        Workload.Image image = sim.workload().image(c.spec.image());
        for (ImageLayer l : image.layers()) {
            if (!layers.contains(l.digest())) {
                if (!pulls.containsKey(l.digest())) {
                    Pull p = new Pull(l);
                    pulls.put(l.digest(), p);
                    p.waiters.add(c);
                    startPull(p, processGen);
                }
                return;
            }
        }
        create(c);
    }

    private void create(SimContainer c) {
        setPhase(c, SimContainer.Phase.STARTING);
        report(c);
        int g = ++c.gen;
        int pgen = processGen;
        long latency = c.job.startLatency() / 2 + rnd.between(0, c.job.startLatency());
        sim.loop().after(latency, () -> {
            if (c.gen != g || pgen != processGen || !up()) {
                return;
            }
            if (rnd.chance(START_FAILURE)) {
                startFailed(c, "runtime create failed");
            } else {
                running(c);
            }
        });
    }

    private void running(SimContainer c) {
        setPhase(c, SimContainer.Phase.RUNNING);
        c.runningSince = sim.now();
        c.message = "";
        c.nextRestartAt = -1;
        report(c);
        planExit(c);
    }

    /** Draws when and how the program ends, as its job's behaviour and the active faults say. */
    void planExit(SimContainer c) {
        long after;
        ExitStatus exit;
        Workload.Job job = c.job;
        if (sim.faults().crashLooping(job.id())) {
            after = rnd.between(500, 3_000);
            exit = ExitStatus.exited(1);
        } else if (job.behaviour() == Workload.Behaviour.BATCH) {
            after = rnd.between(job.minRun(), job.maxRun());
            exit = ExitStatus.exited(0);
        } else {
            after = rnd.exponential(job.meanTimeToFailure());
            exit = rnd.chance(job.oomShare()) ? ExitStatus.outOfMemory() : ExitStatus.exited(rnd.chance(0.5) ? 1 : 2);
        }
        double oomP = sim.faults().oomProbability(index);
        if (oomP > 0 && rnd.chance(oomP)) {
            long window = Math.max(1, sim.faults().oomEnd(index) - sim.now());
            long at = rnd.between(0, window);
            if (at < after) {
                after = at;
                exit = ExitStatus.outOfMemory();
            }
        }
        c.plannedExit = exit;
        int g = ++c.gen;
        final ExitStatus e = exit;
        sim.loop().after(after, () -> {
            if (c.gen != g || c.phase != SimContainer.Phase.RUNNING) {
                return;
            }
            if (!up()) {
                c.exitedWhileAgentDown = e;
                c.exitedAt = sim.now();
                sim.checker().processExitedUnsupervised(c);
                return;
            }
            exited(c, e, sim.now());
        });
    }

    /** Crash-loop and OOM faults start: running containers they touch end soon. */
    void replanExits(String jobId) {
        for (SimContainer c : containers.values()) {
            if (c.phase == SimContainer.Phase.RUNNING && (jobId == null || c.jobId().equals(jobId))) {
                planExit(c);
            }
        }
    }

    private void exited(SimContainer c, ExitStatus exit, long at) {
        long ran = Math.max(0, at - c.runningSince);
        c.lastExit = Optional.of(exit);
        RestartDecision d = c.tracker.afterExit(c.restart, Optional.of(exit), Duration.ofMillis(ran), false);
        sim.stats().exits++;
        if (exit.oomKilled()) {
            sim.stats().ooms++;
        }
        sim.checker().exited(c, Optional.of(exit), ran, d);
        decided(c, d);
    }

    private void startFailed(SimContainer c, String error) {
        c.lastExit = Optional.empty();
        RestartDecision d = c.tracker.afterStartFailure(c.restart, error);
        sim.stats().startFailures++;
        sim.checker().exited(c, Optional.empty(), 0, d);
        decided(c, d);
    }

    private void decided(SimContainer c, RestartDecision d) {
        c.message = d.reason();
        if (d.restart()) {
            c.restart = d.next();
            c.nextRestartAt = sim.now() + d.delay().toMillis();
            c.nextAttemptAt = d.nextAttemptAt();
            setPhase(c, SimContainer.Phase.BACKOFF);
            report(c);
            int g = ++c.gen;
            sim.loop().after(d.delay().toMillis(), () -> {
                if (c.gen == g && up()) {
                    restartNow(c);
                }
            });
            sim.stats().restarts++;
            return;
        }
        boolean success = c.lastExit.map(ExitStatus::success).orElse(false);
        finish(c, success ? AllocationState.EXITED : AllocationState.FAILED, d.reason());
    }

    private void restartNow(SimContainer c) {
        sim.checker().restarting(c);
        Workload.Image image = sim.workload().image(c.spec.image());
        for (ImageLayer l : image.layers()) {
            if (!layers.contains(l.digest())) {
                startPulling(c);
                return;
            }
        }
        create(c);
    }

    // ---------------------------------------------------------------- stopping and finishing

    /**
     * Stops the container: a running process gets its stop signal and ends after its own
     * shutdown time, or is killed at the job's stop timeout; anything not running ends now.
     */
    private void stop(SimContainer c, AllocationState end, String reason, boolean requested) {
        c.stopRequested |= requested;
        c.message = reason;
        c.terminal = end;
        int g = ++c.gen;
        if (c.phase == SimContainer.Phase.RUNNING) {
            setPhase(c, SimContainer.Phase.STOPPING);
            long timeout = c.spec.stopTimeout().toMillis();
            long after = rnd.chance(c.job.hangOnStop()) ? timeout : Math.min(timeout, rnd.between(50, 2_000));
            sim.loop().after(after, () -> {
                if (c.gen != g) {
                    return;
                }
                if (!up()) {
                    // no agent to record it: the container is gone, the report waits for the agent
                    finishQuietly(c);
                    return;
                }
                finish(c, end, reason);
            });
        } else {
            finish(c, end, reason);
        }
    }

    private void finishQuietly(SimContainer c) {
        c.gen++;
        setPhase(c, SimContainer.Phase.DONE);
        scheduleForget(c);
    }

    private void finish(SimContainer c, AllocationState end, String reason) {
        c.gen++;
        c.terminal = end;
        c.message = reason;
        setPhase(c, SimContainer.Phase.DONE);
        report(c);
        int pgen = processGen;
        // terminal reports are not acknowledged: send them twice more
        sim.loop().after(5_000, () -> {
            if (pgen == processGen && containers.get(c.id) == c) {
                report(c);
            }
        });
        sim.loop().after(30_000, () -> {
            if (pgen == processGen && containers.get(c.id) == c) {
                report(c);
            }
        });
        scheduleForget(c);
    }

    private void scheduleForget(SimContainer c) {
        sim.loop().after(FORGET_AFTER, () -> {
            if (containers.get(c.id) == c && c.phase == SimContainer.Phase.DONE) {
                containers.remove(c.id);
            }
        });
    }

    /** A container being killed or finished no longer counts against capacity (the kill is bounded). */
    private void release(SimContainer c) {
        if (c.live) {
            c.live = false;
            heldCpu -= c.reserved.cpuMillis();
            heldMemory -= c.reserved.memoryBytes();
        }
    }

    private void setPhase(SimContainer c, SimContainer.Phase next) {
        SimContainer.Phase prev = c.phase;
        if (prev == SimContainer.Phase.STOPPING && next != SimContainer.Phase.DONE) {
            throw new IllegalStateException("container " + c.id + " left stopping for " + next);
        }
        c.phase = next;
        if (next == SimContainer.Phase.STOPPING || next == SimContainer.Phase.DONE) {
            release(c);
        }
        StringBuilder b = sim.trace().begin().append("container ").append(id).append(' ').append(c.id).append(' ')
                .append(next.name().toLowerCase(java.util.Locale.ROOT));
        if (next == SimContainer.Phase.DONE && c.terminal != null) {
            b.append(' ').append(c.terminal.text());
        }
        sim.trace().end();
        sim.checker().phaseChanged(this, c, prev);
    }

    // ---------------------------------------------------------------- reports

    private AllocationStatus status(SimContainer c) {
        Optional<java.time.Instant> next = c.phase == SimContainer.Phase.BACKOFF
                ? Optional.ofNullable(c.nextAttemptAt)
                : Optional.empty();
        return new AllocationStatus(c.id, c.reportedState(), c.lastExit, c.restart.restarts(), c.message, next,
                sim.instantAt(index));
    }

    private void report(SimContainer c) {
        toScheduler(new AllocationStatusChanged(id, epochSeen, status(c)));
    }

    static NodeInfo info(String name, NodeResources capacity, Map<String, String> labels) {
        return new NodeInfo(NodeId.of(name), "http://" + name + ":7070", labels, capacity,
                new RuntimeInfo("sim", "1", Set.of()), Set.of());
    }
}
