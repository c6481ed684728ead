package io.gantry.sim;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one run found: the trace hash, the first violation (if any) with the trace leading up to
 * it, the checks run and failed per invariant, the faults injected, convergence times, and the
 * cluster's numbers. Wall time and memory are filled in by whoever timed the run.
 */
public final class SimResult {

    final SimOptions options;
    final long seed;
    final FaultSchedule schedule;
    final String traceHash;
    final long traceLines;
    final Checker.Violation violation;
    final Map<String, long[]> checks;
    final Map<Fault.Kind, Integer> injected;
    final List<Long> convergeTimes;
    final List<String> notConverged;
    final long simulatedMillis;
    final long eventsExecuted;
    final long messagesSent;
    final long messagesDelivered;
    final long messagesDropped;
    final long journalEvents;
    /** The journal's size as JSON (0 with {@code --journal memory}). */
    final long journalBytes;
    final int snapshots;
    final long snapshotBytes;
    final long finalEpoch;
    final SimStats stats;
    final int nodes;
    final int allocations;
    final long clientAcknowledged;
    long wallMillis;
    long peakHeapBytes;
    long peakRssBytes;

    private SimResult(Simulation sim) {
        this.options = sim.options();
        this.seed = sim.seed();
        this.schedule = sim.schedule();
        this.traceHash = sim.trace().hash();
        this.traceLines = sim.trace().lines();
        this.violation = sim.violation();
        this.checks = new LinkedHashMap<>();
        sim.checker().counts().forEach((k, v) -> checks.put(k, v.clone()));
        Map<Fault.Kind, Integer> inj = new EnumMap<>(Fault.Kind.class);
        inj.putAll(sim.faults().injected());
        this.injected = inj;
        List<Long> ct = new ArrayList<>(sim.checker().convergeTimes());
        Collections.sort(ct);
        this.convergeTimes = ct;
        this.notConverged = List.copyOf(sim.checker().notConverged());
        this.simulatedMillis = sim.now();
        this.eventsExecuted = sim.loop().executed();
        this.messagesSent = sim.network().sent();
        this.messagesDelivered = sim.network().delivered();
        this.messagesDropped = sim.network().dropped();
        this.journalEvents = sim.journal().size();
        this.journalBytes = sim.journal().bytes();
        this.snapshots = sim.journal().snapshots();
        this.snapshotBytes = sim.journal().snapshotBytes();
        this.finalEpoch = sim.lastEpoch();
        this.stats = sim.stats();
        this.nodes = sim.topology().agents();
        this.allocations = sim.workload().totalAllocations();
        this.clientAcknowledged = sim.client().acknowledged();
    }

    static SimResult of(Simulation sim) {
        return new SimResult(sim);
    }

    public boolean failed() {
        return violation != null;
    }

    public String traceHash() {
        return traceHash;
    }

    public long seed() {
        return seed;
    }

    public FaultSchedule schedule() {
        return schedule;
    }

    public String violatedInvariant() {
        return violation == null ? null : violation.invariant();
    }

    public String violationMessage() {
        return violation == null ? null : violation.message();
    }

    public long checksRun() {
        long n = 0;
        for (long[] c : checks.values()) {
            n += c[0];
        }
        return n;
    }

    public long checksFailed() {
        long n = 0;
        for (long[] c : checks.values()) {
            n += c[1];
        }
        return n;
    }

    public long placements() {
        return stats.placements;
    }

    public long simulatedMillis() {
        return simulatedMillis;
    }

    public Map<Fault.Kind, Integer> injected() {
        return injected;
    }

    /** The value at quantile q (0..1) of the convergence times, or -1 when there are none. */
    public long convergeQuantile(double q) {
        if (convergeTimes.isEmpty()) {
            return -1;
        }
        int i = (int) Math.ceil(q * convergeTimes.size()) - 1;
        return convergeTimes.get(Math.max(0, Math.min(convergeTimes.size() - 1, i)));
    }

    public double simSecondsPerWallSecond() {
        return wallMillis <= 0 ? 0 : (double) simulatedMillis / wallMillis;
    }
}
