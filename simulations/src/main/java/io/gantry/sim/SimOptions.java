package io.gantry.sim;

import io.gantry.scheduler.core.SnapshotPolicy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Everything that fixes a run besides the seed: cluster and workload size, simulated duration,
 * where faults come from, and the checker's bounds. {@link #parse} reads the {@code gantry sim}
 * command line and names whatever is wrong.
 *
 * @param faults          {@code default} (drawn from the seed), {@code none}, or a schedule file
 * @param seedFrom        first seed; with {@code seedTo > seedFrom} a sweep
 * @param journalJson     store the scheduler journal as JSON and replay it from JSON on failover
 * @param convergeWithin  after the last fault, every job must reach its desired count within this
 * @param fencingWindow   how long a count = 1 job may run on two nodes at once (a stop's grace)
 * @param snapshots       when the singleton snapshots its state: the actor's {@link SnapshotPolicy}
 *                        ({@code --snapshot-every}, {@code --snapshot-events-per-item})
 * @param without         fault kinds the default schedule leaves out
 * @param keepGoing       run to the end after a violation (counting the failed checks) instead of stopping
 * @param unsafe          test-only modes that break a safety mechanism so the checker must fire:
 *                        {@code no-fencing}, {@code lose-journal}
 */
public record SimOptions(int nodes, int schedulers, int jobs, int allocations, long durationMillis, String faults,
                         long seedFrom, long seedTo, Path reportDir, boolean journalJson, long convergeWithin,
                         long fencingWindow, double loss, Set<String> unsafe, Path traceFile, boolean shrink,
                         boolean quiet, boolean keepGoing, Set<String> without,
                         SnapshotPolicy snapshots) {

    public static final Set<String> UNSAFE_MODES = Set.of("no-fencing", "lose-journal");

    public SimOptions {
        if (nodes < 1) {
            throw new IllegalArgumentException("--nodes must be at least 1, got " + nodes);
        }
        if (schedulers < 1) {
            throw new IllegalArgumentException("--schedulers must be at least 1, got " + schedulers);
        }
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1, got " + jobs);
        }
        if (allocations < jobs) {
            throw new IllegalArgumentException("--allocations (" + allocations + ") must be at least --jobs (" + jobs + ")");
        }
        if (durationMillis < 60_000) {
            throw new IllegalArgumentException("--duration must be at least 1m, got " + SimDurations.format(durationMillis));
        }
        if (seedTo < seedFrom) {
            throw new IllegalArgumentException("--seeds range runs backwards: " + seedFrom + ".." + seedTo);
        }
        if (!(loss >= 0 && loss < 1)) {
            throw new IllegalArgumentException("--loss must be within [0, 1), got " + loss);
        }
        for (String u : unsafe) {
            if (!UNSAFE_MODES.contains(u)) {
                throw new IllegalArgumentException("--unsafe '" + u + "' is not one of " + UNSAFE_MODES);
            }
        }
        unsafe = Set.copyOf(unsafe);
        for (String k : without) {
            Fault.Kind.fromText(k);
        }
        without = Set.copyOf(without);
        java.util.Objects.requireNonNull(snapshots, "snapshots");
    }

    /** The singleton's snapshot interval at the least (0: never), as the actor's {@code snapshot-every}. */
    public int snapshotEvery() {
        return snapshots.minEvents();
    }

    public SimOptions withSnapshots(SnapshotPolicy p) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seedFrom, seedTo, reportDir,
                journalJson, convergeWithin, fencingWindow, loss, unsafe, traceFile, shrink, quiet, keepGoing, without,
                p);
    }

    public SimOptions withSnapshotEvery(int n) {
        return withSnapshots(new SnapshotPolicy(n, snapshots.eventsPerItem()));
    }

    public SimOptions without(String... kinds) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seedFrom, seedTo, reportDir,
                journalJson, convergeWithin, fencingWindow, loss, unsafe, traceFile, shrink, quiet, keepGoing,
                Set.of(kinds), snapshots);
    }

    public java.util.EnumSet<Fault.Kind> excludedKinds() {
        java.util.EnumSet<Fault.Kind> out = java.util.EnumSet.noneOf(Fault.Kind.class);
        for (String k : without) {
            out.add(Fault.Kind.fromText(k));
        }
        return out;
    }

    /** A small cluster: what the test sweep and a bare {@code gantry sim} run. */
    public static SimOptions defaults() {
        return new SimOptions(8, 3, 12, 36, 30 * 60_000L, "default", 1, 1, null, true, 8 * 60_000L, 20_000, 0,
                Set.of(), null, true, false, false, Set.of(), SnapshotPolicy.DEFAULT);
    }

    public SimOptions withSeed(long seed) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seed, seed, reportDir,
                journalJson, convergeWithin, fencingWindow, loss, unsafe, traceFile, shrink, quiet, keepGoing, without,
                snapshots);
    }

    public SimOptions withFaults(String f) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, f, seedFrom, seedTo, reportDir,
                journalJson, convergeWithin, fencingWindow, loss, unsafe, traceFile, shrink, quiet, keepGoing, without,
                snapshots);
    }

    public SimOptions withUnsafe(String... modes) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seedFrom, seedTo, reportDir,
                journalJson, convergeWithin, fencingWindow, loss, Set.of(modes), traceFile, shrink, quiet, keepGoing,
                without, snapshots);
    }

    public SimOptions withSize(int nodes, int jobs, int allocations, long durationMillis) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seedFrom, seedTo, reportDir,
                journalJson, convergeWithin, fencingWindow, loss, unsafe, traceFile, shrink, quiet, keepGoing, without,
                snapshots);
    }

    public SimOptions withReportDir(Path dir) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seedFrom, seedTo, dir,
                journalJson, convergeWithin, fencingWindow, loss, unsafe, traceFile, shrink, quiet, keepGoing, without,
                snapshots);
    }

    public SimOptions withFencingWindow(long millis) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seedFrom, seedTo, reportDir,
                journalJson, convergeWithin, millis, loss, unsafe, traceFile, shrink, quiet, keepGoing, without,
                snapshots);
    }

    public SimOptions withLoss(double p) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seedFrom, seedTo, reportDir,
                journalJson, convergeWithin, fencingWindow, p, unsafe, traceFile, shrink, quiet, keepGoing, without,
                snapshots);
    }

    public SimOptions withShrink(boolean s) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seedFrom, seedTo, reportDir,
                journalJson, convergeWithin, fencingWindow, loss, unsafe, traceFile, s, quiet, keepGoing, without, snapshots);
    }

    public SimOptions withTraceFile(Path file) {
        return new SimOptions(nodes, schedulers, jobs, allocations, durationMillis, faults, seedFrom, seedTo, reportDir,
                journalJson, convergeWithin, fencingWindow, loss, unsafe, file, shrink, quiet, keepGoing, without, snapshots);
    }

    public boolean sweep() {
        return seedTo > seedFrom;
    }

    public boolean unsafe(String mode) {
        return unsafe.contains(mode);
    }

    /** The command line that runs this configuration for one seed (what a violation prints to reproduce it). */
    public String commandLine(long seed, String faultsArg) {
        StringBuilder b = new StringBuilder("ops/bin/gantry sim");
        b.append(" --nodes ").append(nodes).append(" --schedulers ").append(schedulers).append(" --jobs ").append(jobs)
                .append(" --allocations ").append(allocations).append(" --duration ")
                .append(SimDurations.format(durationMillis)).append(" --faults ").append(faultsArg)
                .append(" --seed ").append(seed);
        if (!journalJson) {
            b.append(" --journal memory");
        }
        if (convergeWithin != 8 * 60_000L) {
            b.append(" --converge-within ").append(SimDurations.format(convergeWithin));
        }
        if (fencingWindow != 20_000) {
            b.append(" --fencing-window ").append(SimDurations.format(fencingWindow));
        }
        if (loss > 0) {
            b.append(" --loss ").append(loss);
        }
        if (snapshots.minEvents() != SnapshotPolicy.DEFAULT.minEvents()) {
            b.append(" --snapshot-every ").append(snapshots.minEvents());
        }
        if (snapshots.eventsPerItem() != SnapshotPolicy.DEFAULT.eventsPerItem()) {
            b.append(" --snapshot-events-per-item ").append(snapshots.eventsPerItem());
        }
        if (keepGoing) {
            b.append(" --keep-going");
        }
        if (!without.isEmpty()) {
            b.append(" --without ").append(String.join(",", new java.util.TreeSet<>(without)));
        }
        for (String u : new java.util.TreeSet<>(unsafe)) {
            b.append(" --unsafe ").append(u);
        }
        return b.toString();
    }

    /** One option of {@code gantry sim}: its name without dashes, its value's name (null for a flag), what it does. */
    public record Option(String name, String valueName, String description) {
    }

    public static final List<Option> OPTIONS = List.of(
            new Option("nodes", "N", "agent nodes (default 8)"),
            new Option("schedulers", "N", "scheduler-role nodes that can host the singleton (default 3)"),
            new Option("jobs", "J", "jobs submitted (default 12)"),
            new Option("allocations", "A", "allocations in all, spread over the jobs (default 3 per job)"),
            new Option("duration", "D", "simulated time, e.g. 30m or 1h (default 30m)"),
            new Option("faults", "F", "default (drawn from the seed), none, or a fault schedule FILE"),
            new Option("seed", "S", "the seed (default 1)"),
            new Option("seeds", "A..B", "sweep the seeds A to B, one line each"),
            new Option("report", "DIR", "also write an HTML report and the fault schedule there"),
            new Option("journal", "json|memory", "how the durable journal keeps events (default json: failover"
                    + " replays them from JSON)"),
            new Option("snapshot-every", "N", "the singleton snapshots its state every N events at the least;"
                    + " recovery restores the latest and replays the rest (default 1000, as the actor; 0: never)"),
            new Option("snapshot-events-per-item", "K", "and every K events per allocation, node and job in the state"
                    + " when that is more (default 4, as the actor; 0: every N events whatever the state's size)"),
            new Option("converge-within", "D", "bound for convergence after the last fault (default 8m)"),
            new Option("fencing-window", "D", "how long a count=1 job may run on two nodes (default 20s)"),
            new Option("loss", "P", "background message loss probability (default 0)"),
            new Option("trace", "FILE", "write every trace line to FILE"),
            new Option("no-shrink", null, "do not shrink a failing fault schedule"),
            new Option("unsafe", "MODE", "test only: no-fencing or lose-journal, to watch the checker catch it"),
            new Option("quiet", null, "sweep: print only one line per seed"),
            new Option("without", "KINDS", "leave these fault kinds (comma-separated) out of the default schedule"),
            new Option("keep-going", null, "run to the end after a violation, counting failed checks (benchmarks)"));

    public static final String DESCRIPTION = "Runs the real scheduler core in a deterministic simulated cluster with"
            + " faults, checks the invariants continuously and prints a report. One seed fixes the whole run: the"
            + " same seed and options give the same trace hash. Exit 1 when an invariant was violated.";

    public static final String USAGE = usage();

    private static String usage() {
        StringBuilder b = new StringBuilder("Usage: gantry sim [options]\n\n").append(DESCRIPTION).append("\n\nOptions:\n");
        for (Option o : OPTIONS) {
            String syn = "--" + o.name() + (o.valueName() == null ? "" : " " + o.valueName());
            b.append("  ").append(syn).append(" ".repeat(Math.max(1, 26 - syn.length()))).append(o.description())
                    .append('\n');
        }
        return b.toString();
    }

    /** Parses {@code gantry sim} arguments; throws IllegalArgumentException naming the problem. */
    public static SimOptions parse(List<String> args) {
        SimOptions d = defaults();
        int nodes = d.nodes;
        int schedulers = d.schedulers;
        int jobs = d.jobs;
        Integer allocations = null;
        long duration = d.durationMillis;
        String faults = d.faults;
        long seedFrom = d.seedFrom;
        long seedTo = d.seedTo;
        Path report = null;
        boolean json = true;
        long converge = d.convergeWithin;
        long fencing = d.fencingWindow;
        double loss = 0;
        Set<String> unsafe = new LinkedHashSet<>();
        Path trace = null;
        boolean shrink = true;
        boolean quiet = false;
        boolean keepGoing = false;
        Set<String> without = new LinkedHashSet<>();
        int snapshotEvery = SnapshotPolicy.DEFAULT.minEvents();
        int snapshotPerItem = SnapshotPolicy.DEFAULT.eventsPerItem();
        List<String> rest = new ArrayList<>(args);
        for (int i = 0; i < rest.size(); i++) {
            String a = rest.get(i);
            String name = a;
            String value = null;
            int eq = a.indexOf('=');
            if (a.startsWith("--") && eq > 0) {
                name = a.substring(0, eq);
                value = a.substring(eq + 1);
            }
            switch (name) {
                case "--no-shrink" -> shrink = false;
                case "--quiet" -> quiet = true;
                case "--keep-going" -> keepGoing = true;
                default -> {
                    if (!name.startsWith("--")) {
                        throw new IllegalArgumentException("unexpected argument '" + a + "'");
                    }
                    if (value == null) {
                        if (i + 1 >= rest.size()) {
                            throw new IllegalArgumentException("option " + name + " needs a value");
                        }
                        value = rest.get(++i);
                    }
                    switch (name) {
                        case "--nodes" -> nodes = integer(name, value);
                        case "--schedulers" -> schedulers = integer(name, value);
                        case "--jobs" -> jobs = integer(name, value);
                        case "--allocations" -> allocations = integer(name, value);
                        case "--duration" -> duration = duration(name, value);
                        case "--faults" -> faults = value;
                        case "--seed" -> {
                            seedFrom = longValue(name, value);
                            seedTo = seedFrom;
                        }
                        case "--seeds" -> {
                            int dots = value.indexOf("..");
                            if (dots < 0) {
                                throw new IllegalArgumentException("--seeds takes a range A..B, e.g. 1..100, not '"
                                        + value + "'");
                            }
                            seedFrom = longValue(name, value.substring(0, dots));
                            seedTo = longValue(name, value.substring(dots + 2));
                        }
                        case "--report" -> report = Path.of(value);
                        case "--journal" -> {
                            if (!value.equals("json") && !value.equals("memory")) {
                                throw new IllegalArgumentException("--journal must be json or memory, not '" + value + "'");
                            }
                            json = value.equals("json");
                        }
                        case "--converge-within" -> converge = duration(name, value);
                        case "--fencing-window" -> fencing = duration(name, value);
                        case "--loss" -> {
                            try {
                                loss = Double.parseDouble(value);
                            } catch (NumberFormatException e) {
                                throw new IllegalArgumentException("--loss takes a probability, e.g. 0.01, not '"
                                        + value + "'");
                            }
                        }
                        case "--unsafe" -> unsafe.add(value);
                        case "--trace" -> trace = Path.of(value);
                        case "--snapshot-every" -> snapshotEvery = integer(name, value);
                        case "--snapshot-events-per-item" -> snapshotPerItem = integer(name, value);
                        case "--without" -> {
                            for (String k : value.split(",")) {
                                if (!k.isBlank()) {
                                    without.add(k.strip());
                                }
                            }
                        }
                        default -> throw new IllegalArgumentException("unknown option " + name);
                    }
                }
            }
        }
        int allocs = allocations == null ? jobs * 3 : allocations;
        return new SimOptions(nodes, schedulers, jobs, allocs, duration, faults, seedFrom, seedTo, report, json,
                converge, fencing, loss, unsafe, trace, shrink, quiet, keepGoing, without,
                new SnapshotPolicy(snapshotEvery, snapshotPerItem));
    }

    private static int integer(String name, String value) {
        try {
            return Integer.parseInt(value.replace("_", "").replace(",", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " takes a whole number, not '" + value + "'");
        }
    }

    private static long longValue(String name, String value) {
        try {
            return Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " takes a whole number, not '" + value + "'");
        }
    }

    private static long duration(String name, String value) {
        try {
            return SimDurations.parseMillis(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(name + ": " + e.getMessage());
        }
    }
}
