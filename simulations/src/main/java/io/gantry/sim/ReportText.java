package io.gantry.sim;

import java.util.Locale;
import java.util.Map;

/** The plain-text report of a run (what {@code gantry sim} prints), and the one-line summary of a sweep. */
final class ReportText {

    private ReportText() {
    }

    static String full(SimResult r) {
        SimOptions o = r.options;
        StringBuilder b = new StringBuilder();
        b.append(String.format(Locale.ROOT, "Gantry simulation, seed %d: %d agent nodes + %d scheduler nodes, %d jobs / %d"
                        + " allocations, %s simulated%n", r.seed, r.nodes, o.schedulers(), o.jobs(), r.allocations,
                SimDurations.format(r.simulatedMillis)));
        int total = 0;
        StringBuilder inj = new StringBuilder();
        for (Map.Entry<Fault.Kind, Integer> e : r.injected.entrySet()) {
            inj.append(inj.length() == 0 ? "" : ", ").append(e.getKey().text()).append(' ').append(e.getValue());
            total += e.getValue();
        }
        b.append("faults injected:    ").append(total).append(total == 0 ? "" : " (" + inj + ")")
                .append(o.faults().equals("default") ? " from the seed" : " from " + o.faults()).append('\n');
        b.append("invariant checks:   ");
        boolean firstInv = true;
        for (Map.Entry<String, long[]> e : r.checks.entrySet()) {
            b.append(firstInv ? "" : ", ").append(e.getKey()).append(' ').append(e.getValue()[0]).append(" run/")
                    .append(e.getValue()[1]).append(" failed");
            firstInv = false;
        }
        b.append('\n');
        if (r.convergeTimes.isEmpty()) {
            b.append("converge after fault: no fault measured\n");
        } else {
            b.append(String.format(Locale.ROOT, "converge after fault: p50 %s s, p95 %s s, max %s s (%d faults)%s%n",
                    SimDurations.seconds(r.convergeQuantile(0.5)), SimDurations.seconds(r.convergeQuantile(0.95)),
                    SimDurations.seconds(r.convergeQuantile(1)), r.convergeTimes.size(),
                    r.notConverged.isEmpty() ? "" : "; " + r.notConverged.size() + " not converged by the end"));
        }
        SimStats s = r.stats;
        b.append(String.format(Locale.ROOT, "placements:         %d in %d plans; %d scheduler incarnations (epoch %d);"
                        + " %d nodes downed by the resolver, %d node-down events%n", s.placements, s.plans,
                s.singletonsStarted, r.finalEpoch, s.nodesDowned, s.nodeDowns));
        b.append(String.format(Locale.ROOT, "containers:         %d exits (%d OOM), %d restarts, %d start failures; %d"
                        + " layer pulls (%d from peers, %d failed); %d stale commands fenced%n", s.exits, s.ooms,
                s.restarts, s.startFailures, s.pulls, s.peerPulls, s.pullFailures, s.staleCommandsRejected));
        int n = Math.max(1, s.samples.size());
        b.append(String.format(Locale.ROOT, "utilisation:        cpu avg %.1f%% peak %.1f%%, memory avg %.1f%% peak %.1f%%"
                        + " (reserved / capacity of live nodes)%n", 100 * s.cpuUtilSum / n, 100 * s.cpuUtilPeak,
                100 * s.memUtilSum / n, 100 * s.memUtilPeak));
        b.append(String.format(Locale.ROOT, "messages:           %d sent, %d delivered, %d dropped; journal %d events"
                        + " (%d MiB of JSON), %d snapshots (%d MiB of JSON); %d user requests acknowledged%n",
                r.messagesSent, r.messagesDelivered, r.messagesDropped, r.journalEvents, r.journalBytes >> 20,
                r.snapshots, r.snapshotBytes >> 20, r.clientAcknowledged));
        b.append(String.format(Locale.ROOT, "trace:              %d lines, sha256 %s%n", r.traceLines, r.traceHash));
        b.append(String.format(Locale.ROOT, "speed:              %d events in %.2f s wall: %.0f simulated s per wall s;"
                        + " peak heap %d MiB, peak RSS %s%n", r.eventsExecuted, r.wallMillis / 1000.0,
                r.simSecondsPerWallSecond(), r.peakHeapBytes >> 20,
                r.peakRssBytes < 0 ? "unknown" : (r.peakRssBytes >> 20) + " MiB"));
        b.append("result:             ").append(r.failed() ? "VIOLATION of " + r.violatedInvariant() : "OK").append('\n');
        return b.toString();
    }

    /** The violation with the seed, the schedule, the trace around it and how to reproduce it. */
    static String violation(SimResult r) {
        Checker.Violation v = r.violation;
        StringBuilder b = new StringBuilder();
        b.append("\nVIOLATION of ").append(v.invariant()).append(" at ").append(SimDurations.seconds(v.at()))
                .append(" s (simulated), seed ").append(r.seed).append(":\n  ").append(v.message()).append('\n');
        b.append("\nfault schedule (").append(r.schedule.size()).append(" faults):\n");
        for (Fault f : r.schedule.faults()) {
            b.append("  ").append(f.format()).append('\n');
        }
        b.append("\ntrace around the violation (").append(v.trace().size()).append(" lines, the VIOLATION line among them):\n");
        for (String line : v.trace()) {
            b.append("  ").append(line).append('\n');
        }
        b.append("\nreproduce: ").append(r.options.commandLine(r.seed, r.options.faults())).append('\n');
        return b.toString();
    }

    static String oneLine(SimResult r) {
        return String.format(Locale.ROOT, "seed %-6d %s  hash %s  faults %2d  checks %7d  converge p95 %7s s"
                        + "  placements %6d  epochs %d  fenced %d  %.2f s", r.seed,
                r.failed() ? "FAIL " + r.violatedInvariant() : "ok  ", r.traceHash.substring(0, 16), r.schedule.size(),
                r.checksRun(), r.convergeTimes.isEmpty() ? "-" : SimDurations.seconds(r.convergeQuantile(0.95)),
                r.stats.placements, r.finalEpoch, r.stats.staleCommandsRejected, r.wallMillis / 1000.0);
    }
}
