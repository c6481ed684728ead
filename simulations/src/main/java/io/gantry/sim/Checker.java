package io.gantry.sim;

import io.gantry.agent.restart.RestartDecision;
import io.gantry.protocol.allocation.ExitStatus;
import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.RestartPolicy;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.scheduler.core.JobRecord;
import io.gantry.scheduler.core.NodeRecord;
import io.gantry.scheduler.core.SchedulerEvent;
import io.gantry.scheduler.core.SchedulerState;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The invariants, checked continuously against the ground truth (the containers that exist on
 * the simulated nodes) and the scheduler's state — never against what the scheduler merely
 * believes about the nodes. The desired state comes from what the simulated users asked for.
 *
 * <dl>
 *   <dt>{@code acked-job-lost}</dt><dd>after every scheduler recovery and every minute: each job
 *       whose submission (or scale, or stop) was acknowledged is in the scheduler's state, at that
 *       version or later.</dd>
 *   <dt>{@code convergence}</dt><dd>within {@code --converge-within} of the last fault (and the
 *       last user request), the cluster reaches its desired state: every index of every job has
 *       one container of the current spec being run (pulling, starting, running or waiting to
 *       restart) and nothing else runs. An index whose container failed by its program's own
 *       doing in the last {@link #FAILURE_GRACE} is excused (the scheduler's reschedule delay),
 *       and a batch index that exited 0 is done.</dd>
 *   <dt>{@code capacity}</dt><dd>on every container start: what a node's containers reserve
 *       stays within its capacity (ground truth); every minute the same for the scheduler's own
 *       accounting.</dd>
 *   <dt>{@code single-instance}</dt><dd>a job with count = 1 never has processes on two nodes
 *       for longer than {@code --fencing-window}; when a user brings a running job down to count
 *       1, counted from when the scheduler has written the new count (a request lost on the way
 *       reaches it only with the user's retry).</dd>
 *   <dt>{@code restart-policy}</dt><dd>every restart is one the job's policy allows, after at
 *       least the backoff the policy gives (exponential, reset after a run of 10 s), and every
 *       exit the policy says to restart is restarted.</dd>
 *   <dt>{@code dead-node-replaced}</dt><dd>what ran on a node that crashed or was downed runs
 *       elsewhere (or again) within the convergence bound once faults are over.</dd>
 * </dl>
 */
final class Checker {

    static final long FAILURE_GRACE = 6 * 60_000;
    /** The policy as documented (Docker, Kubernetes): a run this long starts the backoff over. */
    static final long RESET_AFTER = 10_000;

    static final List<String> INVARIANTS = List.of("acked-job-lost", "convergence", "capacity", "single-instance",
            "restart-policy", "dead-node-replaced");

    record Violation(String invariant, long at, String message, List<String> trace) {
    }

    /** The desired state of one job and the containers that exist for it. */
    static final class JobTruth {
        final String id;
        JobSpec desired;
        boolean stopped;
        long ackedVersion;
        boolean ackedStop;
        final List<SimContainer> containers = new ArrayList<>();
        final Map<Integer, Long> lastFailure = new TreeMap<>();
        final Map<Integer, JobSpec> completed = new TreeMap<>();
        int unsatisfied;
        int surplus;
        long overlapSince = -1;
        int overlapGen;
        /**
         * False from a user's request that brings a running job down to count 1 until the
         * scheduler has written it: until then the cluster cannot know that one copy is too many
         * (the request may be lost on the way and retried 15 s later).
         */
        boolean singleKnown = true;

        JobTruth(String id) {
            this.id = id;
        }
    }

    private final Simulation sim;
    private final Map<String, JobTruth> jobs = new LinkedHashMap<>();
    private final Map<String, long[]> counts = new LinkedHashMap<>();
    private Violation first;
    private int unsatisfied;
    private int surplus;
    private long desiredTotal;
    private boolean converged;
    private final List<Fault> awaitingConvergence = new ArrayList<>();
    private final List<Long> convergeTimes = new ArrayList<>();
    private final List<String> notConverged = new ArrayList<>();
    private long settledCheckAt = -1;
    private long lastConvergedAt = -1;

    Checker(Simulation sim) {
        this.sim = sim;
        for (String inv : INVARIANTS) {
            counts.put(inv, new long[2]);
        }
    }

    Violation violation() {
        return first;
    }

    Map<String, long[]> counts() {
        return counts;
    }

    List<Long> convergeTimes() {
        return convergeTimes;
    }

    List<String> notConverged() {
        return notConverged;
    }

    boolean converged() {
        return converged;
    }

    long desiredTotal() {
        return desiredTotal;
    }

    private boolean check(String invariant, boolean ok, String message) {
        long[] c = counts.get(invariant);
        c[0]++;
        if (!ok) {
            c[1]++;
            if (first == null) {
                first = new Violation(invariant, sim.now(), message, sim.trace().recent());
                sim.violated(first);
            }
        }
        return ok;
    }

    // ------------------------------------------------------------------ desired state (from users)

    /** A user asked for this (not yet acknowledged): it is what the cluster must eventually run. */
    void desire(JobSpec spec, boolean stopped) {
        JobTruth j = jobs.computeIfAbsent(spec.id(), JobTruth::new);
        if (!stopped && spec.count() == 1 && j.desired != null && !j.stopped && j.desired.count() != 1) {
            j.singleKnown = false; // until scheduled(): the scheduler has written the new count
        }
        if (j.desired != null && !j.stopped) {
            desiredTotal -= j.desired.count();
        }
        if (j.desired != null && !sameSpec(j.desired, spec)) {
            j.completed.clear();
        }
        j.desired = spec;
        j.stopped = stopped;
        if (!stopped) {
            desiredTotal += spec.count();
        }
        recompute(j);
    }

    /**
     * The scheduler wrote these events: a job whose count it now knows to be 1 must from now on
     * run once (the single-instance clock starts no earlier than this).
     */
    void scheduled(List<SchedulerEvent> events) {
        for (SchedulerEvent e : events) {
            String jobId = null;
            if (e instanceof SchedulerEvent.JobScaled s && s.count() == 1) {
                jobId = s.jobId();
            } else if (e instanceof SchedulerEvent.JobSubmitted s && s.spec().count() == 1) {
                jobId = s.spec().id();
            }
            JobTruth j = jobId == null ? null : jobs.get(jobId);
            if (j != null && !j.singleKnown) {
                j.singleKnown = true;
                recompute(j);
            }
        }
    }

    /** The scheduler acknowledged the request: from now on it must never lose it. */
    void acknowledged(String jobId, long version, boolean stop) {
        JobTruth j = jobs.get(jobId);
        if (stop) {
            j.ackedStop = true;
        } else {
            j.ackedStop = false;
            j.ackedVersion = Math.max(j.ackedVersion, version);
        }
    }

    /** Every acknowledged job is in the scheduler's state (after a recovery, and every minute). */
    void checkAcknowledged(SchedulerState state, String when) {
        for (JobTruth j : jobs.values()) {
            if (j.ackedVersion == 0 && !j.ackedStop) {
                continue;
            }
            Optional<JobRecord> r = state.job(j.id);
            if (!check("acked-job-lost", r.isPresent(), "acknowledged job " + j.id + " (version " + j.ackedVersion
                    + ") is missing from the scheduler's state " + when + " (epoch " + state.epoch() + ")")) {
                return;
            }
            if (!check("acked-job-lost", r.get().version() >= j.ackedVersion, "acknowledged version "
                    + j.ackedVersion + " of job " + j.id + " is lost: the scheduler has version " + r.get().version()
                    + " " + when)) {
                return;
            }
            if (j.ackedStop && !check("acked-job-lost", r.get().stopped() || !j.stopped, "acknowledged stop of job "
                    + j.id + " is lost " + when)) {
                return;
            }
        }
    }

    /** The scheduler's own accounting: reservations within capacity, nothing reserved on a down node. */
    void checkSchedulerState(SchedulerState state) {
        for (NodeRecord n : state.nodes()) {
            boolean fits = n.info().capacity().covers(n.reserved());
            if (!check("capacity", fits, "the scheduler reserved " + n.reserved() + " on node " + n.id()
                    + " of capacity " + n.info().capacity())) {
                return;
            }
            if (n.status() == NodeStatus.DOWN && !check("capacity", n.reserved().cpuMillis() == 0
                    && n.reserved().memoryBytes() == 0, "node " + n.id() + " is down but still holds " + n.reserved())) {
                return;
            }
        }
    }

    // ------------------------------------------------------------------ ground truth

    void phaseChanged(SimAgent agent, SimContainer c, SimContainer.Phase prev) {
        if (prev == SimContainer.Phase.RUNNING) {
            sim.stats().running--;
        }
        if (c.phase == SimContainer.Phase.RUNNING) {
            sim.stats().running++;
        }
        JobTruth j = jobs.get(c.jobId());
        if (j == null) {
            j = jobs.computeIfAbsent(c.jobId(), JobTruth::new);
        }
        if (prev == null) {
            j.containers.add(c);
            long cpu = agent.heldCpu;
            long mem = agent.heldMemory;
            check("capacity", cpu <= agent.capacity().cpuMillis() && mem <= agent.capacity().memoryBytes(),
                    "node " + agent.id + " runs more than its capacity " + agent.capacity() + " after starting "
                            + c.id + ": cpu " + cpu + "m, memory " + mem + " bytes");
        }
        if (c.phase == SimContainer.Phase.DONE) {
            j.containers.remove(c);
            if (c.terminal == io.gantry.protocol.allocation.AllocationState.FAILED && !c.stopRequested) {
                j.lastFailure.put(c.index, sim.now());
                JobTruth jj = j;
                sim.loop().after(FAILURE_GRACE + 1, () -> recompute(jj));
            } else if (c.terminal == io.gantry.protocol.allocation.AllocationState.EXITED && !c.stopRequested) {
                j.completed.put(c.index, c.spec);
            }
            if (c.checkerExpectedDelay >= 0 && c.terminal != null) {
                // it was waiting to restart and was stopped instead: fine
                c.checkerExpectedDelay = -1;
            }
        }
        recompute(j);
    }

    private static boolean sameSpec(JobSpec a, JobSpec b) {
        return a.toBuilder().count(1).build().equals(b.toBuilder().count(1).build());
    }

    private void recompute(JobTruth j) {
        int oldU = j.unsatisfied;
        int oldS = j.surplus;
        int count = j.desired == null || j.stopped ? 0 : j.desired.count();
        int[] good = new int[count];
        int extra = 0;
        int aliveNodes = 0;
        int firstNode = -1;
        for (SimContainer c : j.containers) {
            boolean isGood = count > 0 && c.index < count && !c.stopRequested && sameSpec(c.spec, j.desired)
                    && c.phase != SimContainer.Phase.STOPPING && c.phase != SimContainer.Phase.DONE;
            if (isGood) {
                good[c.index]++;
            } else if (c.phase != SimContainer.Phase.DONE) {
                extra++;
            }
            if (c.processAlive() && c.node != firstNode) {
                if (firstNode < 0) {
                    firstNode = c.node;
                    aliveNodes = 1;
                } else {
                    aliveNodes = 2;
                }
            }
        }
        int unsat = 0;
        for (int i = 0; i < count; i++) {
            if (good[i] == 0) {
                Long failed = j.lastFailure.get(i);
                JobSpec done = j.completed.get(i);
                boolean excused = (failed != null && sim.now() - failed < FAILURE_GRACE)
                        || (done != null && sameSpec(done, j.desired));
                if (!excused) {
                    unsat++;
                }
            } else {
                extra += good[i] - 1;
            }
        }
        j.unsatisfied = unsat;
        j.surplus = extra;
        unsatisfied += unsat - oldU;
        surplus += extra - oldS;
        boolean nowConverged = unsatisfied == 0 && surplus == 0;
        if (nowConverged != converged) {
            converged = nowConverged;
            if (converged) {
                convergedNow();
            }
        }
        boolean single = j.desired != null && !j.stopped && j.desired.count() == 1 && j.singleKnown;
        if (single && aliveNodes >= 2) {
            if (j.overlapSince < 0) {
                j.overlapSince = sim.now();
                int g = ++j.overlapGen;
                long since = j.overlapSince;
                sim.loop().after(sim.options().fencingWindow(), () -> {
                    if (j.overlapGen == g && j.overlapSince == since) {
                        check("single-instance", false, "job " + j.id + " (count 1) has run on two nodes at once"
                                + " since " + SimDurations.seconds(since) + " s, longer than the fencing window of "
                                + SimDurations.format(sim.options().fencingWindow()) + ": " + describe(j));
                    }
                });
            }
        } else if (j.overlapSince >= 0) {
            check("single-instance", true, "");
            j.overlapSince = -1;
            j.overlapGen++;
        }
    }

    private String describe(JobTruth j) {
        StringBuilder b = new StringBuilder();
        for (SimContainer c : j.containers) {
            if (c.processAlive()) {
                b.append(b.length() == 0 ? "" : ", ").append(c.id).append(" on ").append(sim.name(c.node))
                        .append(" (").append(c.phase.name().toLowerCase(java.util.Locale.ROOT)).append(')');
            }
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ restarts

    /** The program ended (or failed to start) and the agent decided: check the decision against the policy. */
    void exited(SimContainer c, Optional<ExitStatus> exit, long ran, RestartDecision d) {
        RestartPolicy policy = c.spec.restart();
        boolean failed = exit.map(e -> !e.success()).orElse(true);
        boolean mayRestart = switch (policy.kind()) {
            case NO -> false;
            case ON_FAILURE -> failed && (policy.maxRetries() == 0 || c.checkerRestarts < policy.maxRetries());
            case ALWAYS, UNLESS_STOPPED -> true;
        };
        String what = "allocation " + c.id + " of job " + c.jobId() + " (" + policy + ", backoff "
                + c.spec.restartBackoff().initial().toMillis() + ".." + c.spec.restartBackoff().max().toMillis()
                + " ms) after " + exit.map(ExitStatus::toString).orElse("a start failure") + " having run " + ran
                + " ms, " + c.checkerRestarts + " restarts so far";
        if (!check("restart-policy", d.restart() == mayRestart, what + ": the agent "
                + (d.restart() ? "restarts it" : "does not restart it") + " but the policy says "
                + (mayRestart ? "restart" : "do not"))) {
            return;
        }
        if (d.restart()) {
            Backoff b = c.spec.restartBackoff();
            int attempt = ran >= RESET_AFTER ? 1 : c.checkerAttempt + 1;
            long expected = b.delayBefore(attempt).toMillis();
            c.checkerAttempt = attempt;
            c.checkerRestarts++;
            c.checkerExitAt = sim.now();
            c.checkerExpectedDelay = expected;
            c.checkerAgentGap = false;
            long max = (long) Math.ceil(expected * (1 + Simulation.RESTART_JITTER));
            c.checkerMaxDelay = max;
            check("restart-policy", d.delay().toMillis() >= expected && d.delay().toMillis() <= max, what
                    + ": restart delay " + d.delay().toMillis() + " ms is outside the policy's " + expected + ".." + max
                    + " ms (attempt " + attempt + ", backoff reset after a run of " + RESET_AFTER + " ms)");
        }
    }

    /** The restart delay is over: it must not be early, nor (unless the agent was down) late. */
    void restarting(SimContainer c) {
        if (c.checkerExpectedDelay < 0) {
            return;
        }
        long waited = sim.now() - c.checkerExitAt;
        check("restart-policy", waited >= c.checkerExpectedDelay, "allocation " + c.id + " restarted after "
                + waited + " ms, before its backoff of " + c.checkerExpectedDelay + " ms");
        if (!c.checkerAgentGap) {
            check("restart-policy", waited <= c.checkerMaxDelay + 1, "allocation " + c.id + " restarted after "
                    + waited + " ms, later than its backoff of " + c.checkerExpectedDelay + " ms (+ jitter)");
        }
        c.checkerExpectedDelay = -1;
    }

    void processExitedUnsupervised(SimContainer c) {
        c.checkerAgentGap = true;
    }

    // ------------------------------------------------------------------ dead nodes

    /** A node died (crashed, or was downed): everything it ran must run elsewhere, eventually. */
    void nodeDied(SimAgent agent, List<SimContainer> lost, String why) {
        if (lost.isEmpty()) {
            return;
        }
        List<String[]> items = new ArrayList<>();
        for (SimContainer c : lost) {
            items.add(new String[] {c.jobId(), Integer.toString(c.index), c.id.value()});
        }
        long bound = sim.options().convergeWithin();
        scheduleReplacedCheck(agent.id.value(), items, why, sim.now() + bound, bound);
    }

    private void scheduleReplacedCheck(String node, List<String[]> items, String why, long at, long bound) {
        sim.loop().at(at, () -> {
            if (first != null && !sim.options().keepGoing()) {
                return;
            }
            long quietFrom = sim.faultsOverAt();
            if (sim.now() < quietFrom + bound) {
                // faults (or user requests) still going on: the bound counts from when they stop
                scheduleReplacedCheck(node, items, why, quietFrom + bound, bound);
                return;
            }
            for (String[] it : items) {
                JobTruth j = jobs.get(it[0]);
                int index = Integer.parseInt(it[1]);
                boolean stillWanted = j.desired != null && !j.stopped && index < j.desired.count();
                boolean replaced = !stillWanted || indexSatisfied(j, index);
                if (!check("dead-node-replaced", replaced, "allocation " + it[2] + " of job " + it[0] + " (index "
                        + index + ") on node " + node + " (" + why + ") has not been replaced "
                        + SimDurations.format(bound) + " after faults stopped: " + indexState(j, index))) {
                    return;
                }
            }
        });
    }

    private boolean indexSatisfied(JobTruth j, int index) {
        for (SimContainer c : j.containers) {
            if (c.index == index && !c.stopRequested && sameSpec(c.spec, j.desired)
                    && c.phase != SimContainer.Phase.STOPPING && c.phase != SimContainer.Phase.DONE) {
                return true;
            }
        }
        Long failed = j.lastFailure.get(index);
        JobSpec done = j.completed.get(index);
        return (failed != null && sim.now() - failed < FAILURE_GRACE) || (done != null && sameSpec(done, j.desired));
    }

    private String indexState(JobTruth j, int index) {
        StringBuilder b = new StringBuilder("containers of the job: ");
        for (SimContainer c : j.containers) {
            b.append(c.id).append('#').append(c.index).append(" on ").append(sim.name(c.node)).append(' ')
                    .append(c.phase.name().toLowerCase(java.util.Locale.ROOT)).append("; ");
        }
        return b.toString();
    }

    // ------------------------------------------------------------------ convergence

    /** A fault is over: measure how long until the cluster is back to its desired state. */
    void faultEnded(Fault f) {
        if (converged) {
            convergeTimes.add(0L); // nothing it broke is visible (or it broke nothing)
        } else {
            awaitingConvergence.add(f);
        }
    }

    private void convergedNow() {
        lastConvergedAt = sim.now();
        for (Fault f : awaitingConvergence) {
            convergeTimes.add(sim.now() - f.end());
        }
        awaitingConvergence.clear();
    }

    /** Arms the convergence check at {@code quietFrom + bound}; re-armed if faults go on longer. */
    void armConvergenceCheck() {
        long bound = sim.options().convergeWithin();
        long at = sim.faultsOverAt() + bound;
        if (at == settledCheckAt) {
            return;
        }
        settledCheckAt = at;
        sim.loop().at(at, () -> {
            if (settledCheckAt != at || (first != null && !sim.options().keepGoing())) {
                return;
            }
            long quietFrom = sim.faultsOverAt();
            if (sim.now() < quietFrom + bound) {
                armConvergenceCheck();
                return;
            }
            boolean ok = converged || lastConvergedAt >= quietFrom;
            check("convergence", ok, "the cluster did not converge within " + SimDurations.format(bound)
                    + " after faults stopped at " + SimDurations.seconds(quietFrom) + " s: " + unsatisfied
                    + " index(es) without a container, " + surplus + " container(s) too many; " + worstJobs());
        });
    }

    /** Called at the end of the run for the report: faults whose convergence was never seen. */
    void finish() {
        for (Fault f : awaitingConvergence) {
            notConverged.add(f.format());
        }
    }

    private String worstJobs() {
        StringBuilder b = new StringBuilder();
        int n = 0;
        for (JobTruth j : jobs.values()) {
            if ((j.unsatisfied > 0 || j.surplus > 0) && n++ < 5) {
                b.append(j.id).append(" (count ").append(j.desired == null ? 0 : j.desired.count())
                        .append(j.stopped ? ", stopped" : "").append(": ").append(j.unsatisfied).append(" missing, ")
                        .append(j.surplus).append(" extra; ").append(indexState(j, -1)).append(schedulerView(j.id))
                        .append(") ");
            }
        }
        return b.toString();
    }

    /** What the scheduler believes about the job, for the violation message. */
    private String schedulerView(String jobId) {
        SchedulerProcess s = sim.singleton();
        if (s == null || !s.ready()) {
            return "no scheduler";
        }
        StringBuilder b = new StringBuilder("the scheduler has: ");
        s.state().job(jobId).ifPresent(r -> b.append("version ").append(r.version()).append(", count ")
                .append(r.spec().count()).append(r.stopped() ? ", stopped" : "")
                .append(r.failure().map(f -> ", unplaced " + f.unplaced() + ": " + f.reasons()).orElse("")).append("; "));
        for (io.gantry.scheduler.core.AllocationRecord a : s.state().allocationsOf(jobId)) {
            if (a.live() || !a.state().terminal()) {
                b.append(a.id()).append('#').append(a.index()).append(' ').append(a.state().text())
                        .append(a.node().map(n -> " on " + n).orElse("")).append(a.stopRequested() ? " (stopping)" : "")
                        .append("; ");
            }
        }
        return b.toString();
    }

    int unsatisfied() {
        return unsatisfied;
    }

    int surplus() {
        return surplus;
    }
}
