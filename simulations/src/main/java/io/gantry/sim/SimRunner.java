package io.gantry.sim;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs simulations: one seed (timed, with memory measured), a failing run's shrinking, and the
 * schedule a {@code --faults} argument names. The only place that reads the wall clock, and only
 * to report speed; nothing it reads flows back into a run.
 */
public final class SimRunner {

    static final int SHRINK_RUNS = 48;

    private SimRunner() {
    }

    /** The schedule for {@code --faults}: null for default (drawn inside the run), empty for none, or a file. */
    public static FaultSchedule schedule(SimOptions o) {
        if (o.faults().equals("default")) {
            return null;
        }
        if (o.faults().equals("none")) {
            return FaultSchedule.none();
        }
        Path file = Path.of(o.faults());
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new IllegalArgumentException("--faults: no such file " + file
                    + " (write default, none, or the path of a fault schedule)");
        } catch (IOException e) {
            throw new IllegalArgumentException("--faults: cannot read " + file + ": " + e.getMessage());
        }
        return FaultSchedule.parse(text, new Topology(o.nodes(), o.schedulers()), Workload.jobIdsFor(o.jobs()));
    }

    /** One run of one seed, timed. */
    public static SimResult run(SimOptions o, long seed, FaultSchedule schedule) {
        BufferedWriter traceOut = null;
        try {
            if (o.traceFile() != null) {
                traceOut = Files.newBufferedWriter(o.traceFile(), StandardCharsets.UTF_8);
            }
            long t0 = System.nanoTime();
            Simulation sim = new Simulation(o, seed, schedule, traceOut);
            SimResult r = sim.run();
            r.wallMillis = Math.max(1, (System.nanoTime() - t0) / 1_000_000);
            r.peakHeapBytes = peakHeap();
            r.peakRssBytes = peakRss();
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException("writing the trace to " + o.traceFile(), e);
        } finally {
            if (traceOut != null) {
                try {
                    traceOut.close();
                } catch (IOException e) {
                    throw new UncheckedIOException("closing the trace file " + o.traceFile(), e);
                }
            }
        }
    }

    /** A smaller fault schedule on which the same seed still violates the same invariant. */
    public static Shrinker.Shrunk shrink(SimOptions o, SimResult failed) {
        String invariant = failed.violatedInvariant();
        SimOptions quiet = o.withTraceFile(null);
        return Shrinker.ddmin(failed.schedule().faults(), faults -> {
            SimResult r = new Simulation(quiet, failed.seed(), new FaultSchedule(faults), null).run();
            return r.failed() && r.violatedInvariant().equals(invariant);
        }, SHRINK_RUNS);
    }

    /** Writes a schedule where it can be found again, and returns its path. */
    public static Path writeSchedule(Path dir, String name, FaultSchedule s) {
        try {
            Path d = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"), "gantry-sim");
            Files.createDirectories(d);
            Path f = d.resolve(name);
            Files.writeString(f, s.format(), StandardCharsets.UTF_8);
            return f.toAbsolutePath();
        } catch (IOException e) {
            throw new UncheckedIOException("writing fault schedule " + name, e);
        }
    }

    static long peakHeap() {
        long sum = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
                sum += pool.getPeakUsage().getUsed();
            }
        }
        return sum;
    }

    /** VmHWM from /proc/self/status (Linux), or -1. */
    static long peakRss() {
        try {
            List<String> lines = new ArrayList<>(Files.readAllLines(Path.of("/proc/self/status")));
            for (String l : lines) {
                if (l.startsWith("VmHWM:")) {
                    String[] p = l.substring(6).trim().split("\\s+");
                    return Long.parseLong(p[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
