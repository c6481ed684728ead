package io.gantry.scheduler.core;

import io.gantry.protocol.job.JobSpec;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

/**
 * How fast the pure core handles a cluster of the simulator's size (a command, not a test; run it
 * with {@code scheduler/bench/core}): registers N nodes, submits J jobs one command each, lets the
 * agents acknowledge every allocation, takes 1% of the nodes down, and replays the journal as a
 * failover would. Prints commands per second per phase, journal size and replay time.
 * Options: {@code --nodes 5000 --jobs 5000 --per-job 10}.
 */
public final class SchedulerCoreBenchmark {

    public static void main(String[] args) {
        Map<String, String> opts = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            opts.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        int nodes = Integer.parseInt(opts.getOrDefault("nodes", "5000"));
        int jobs = Integer.parseInt(opts.getOrDefault("jobs", "5000"));
        int perJob = Integer.parseInt(opts.getOrDefault("per-job", "10"));
        long gib = 1L << 30;

        SchedulerHarness h = new SchedulerHarness();
        long t0 = System.nanoTime();
        for (int i = 0; i < nodes; i++) {
            h.registerNode(SchedulerHarness.node(String.format("node-%05d", i), 16000, 64 * gib,
                    Map.of("zone", "z" + (i % 3))));
        }
        long t1 = System.nanoTime();
        for (int j = 0; j < jobs; j++) {
            h.submit(JobSpec.builder("job-" + j, "registry.local/app:" + (j % 20)).count(perJob)
                    .resources(100L * (1 + j % 8), gib / 4 * (1 + j % 6)).build());
        }
        long t2 = System.nanoTime();
        long before = h.state().eventsApplied();
        h.acknowledgeAll();
        long reports = h.state().eventsApplied() - before;
        long t3 = System.nanoTime();
        for (int i = 0; i < nodes / 100; i++) {
            h.nodeDown(String.format("node-%05d", i * 100));
        }
        h.acknowledgeAll();
        long t4 = System.nanoTime();
        SchedulerState replayed = SchedulerCore.replay(h.journal());
        long t5 = System.nanoTime();
        boolean same = replayed.fingerprint().equals(h.state().fingerprint());
        long t5b = System.nanoTime();
        h.advance(Duration.ofSeconds(1));
        long t6 = System.nanoTime();
        long tickNanos = t6 - t5b;

        System.out.printf("Gantry scheduler core: %d nodes, %d jobs x %d allocations%n", nodes, jobs, perJob);
        System.out.printf("register nodes     %8d commands %8.2f s %10.0f /s%n", nodes, sec(t0, t1), nodes / sec(t0, t1));
        System.out.printf("submit jobs        %8d commands %8.2f s %10.0f /s (%.0f placements/s)%n", jobs,
                sec(t1, t2), jobs / sec(t1, t2), (double) jobs * perJob / sec(t1, t2));
        System.out.printf("agent reports      %8d events   %8.2f s %10.0f /s%n", reports, sec(t2, t3),
                reports / sec(t2, t3));
        System.out.printf("1%% nodes down      %8d commands %8.2f s (lost allocations replaced, acknowledged)%n",
                nodes / 100, sec(t3, t4));
        System.out.printf("replay journal     %8d events   %8.2f s %10.0f events/s (same state: %s)%n",
                h.journal().size(), sec(t4, t5), h.journal().size() / sec(t4, t5),
                same);
        System.out.printf("tick               %8.2f ms%n", tickNanos / 1e6);
        Runtime rt = Runtime.getRuntime();
        System.out.printf("heap used %d MiB; peak RSS %s%n", (rt.totalMemory() - rt.freeMemory()) >> 20,
                io.gantry.scheduler.placement.PlacementBenchmarkAccess.peakRss());
    }

    private static double sec(long a, long b) {
        return (b - a) / 1e9;
    }
}
