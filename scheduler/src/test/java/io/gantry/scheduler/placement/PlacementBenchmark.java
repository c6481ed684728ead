package io.gantry.scheduler.placement;

import io.gantry.protocol.allocation.AllocationId;
import io.gantry.protocol.job.Constraint;
import io.gantry.protocol.job.PlacementStrategy;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.node.NodeId;
import io.gantry.protocol.node.NodeStatus;
import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Placement throughput and bin-pack quality of the pure engine (a command, not a test; run it
 * with {@code scheduler/bench/placement}). For 1,000 and 10,000 nodes it places 100,000
 * allocations of mixed sizes, in jobs of 1 to 40 allocations, and prints placements per second,
 * nodes used ÷ the lower bound ⌈Σ demand ÷ node capacity⌉ (the larger of cpu and memory), and
 * the process's peak RSS, beside the published numbers of kube-scheduler and Nomad.
 *
 * <p>Scenarios:
 * <ul>
 *   <li>{@code batch}: all 100,000 in one plan, every job bin-pack, no constraints: the quality
 *       target applies here;</li>
 *   <li>{@code batch-mixed}: one plan, 20% of jobs constrained to a zone, 10% spread, 30% with
 *       an image whose layers 5% of nodes hold: what a real cluster asks; quality is shown for
 *       information (spread jobs and locality pull away from packing on purpose);</li>
 *   <li>{@code per-job}: one plan per job, as the scheduler core plans when jobs arrive one by
 *       one, so each plan pays its setup over the whole node list.</li>
 * </ul>
 * Each scenario runs {@code --runs} times after one warm-up; the best run is reported.
 * Options: {@code --nodes 1000,10000 --allocations 100000 --runs 3 --candidates N --seed S
 * --scenarios batch,batch-mixed,per-job}.
 */
public final class PlacementBenchmark {

    static final long MIB = 1024L * 1024;
    static final long GIB = 1024 * MIB;
    /** Sizes of the mix (cpu millicores, memory): small services to a few large ones, cpu- and memory-heavy. */
    static final long[][] SIZES = {
            {100, 128 * MIB}, {250, 256 * MIB}, {250, 1 * GIB}, {500, 512 * MIB}, {500, 2 * GIB},
            {1000, 1 * GIB}, {1000, 4 * GIB}, {2000, 2 * GIB}, {2000, 8 * GIB}, {4000, 16 * GIB}};
    /** How often each size is drawn: mostly small. */
    static final int[] WEIGHTS = {20, 20, 10, 15, 8, 10, 6, 5, 4, 2};
    /** Share of the cluster's capacity that the lower bound fills, so that packing quality shows. */
    static final double TARGET_UTILISATION = 0.7;

    record Job(PlacementRequest request, int count) {
    }

    record Result(String scenario, int nodes, int allocations, int placed, int failed, double seconds,
                  int nodesUsed, long lowerBound) {
        double rate() {
            return placed / seconds;
        }

        double quality() {
            return lowerBound == 0 ? 0 : (double) nodesUsed / lowerBound;
        }
    }

    public static void main(String[] args) throws IOException {
        Map<String, String> opts = parse(args);
        int[] nodeCounts = Arrays.stream(opts.getOrDefault("nodes", "1000,10000").split(","))
                .mapToInt(Integer::parseInt).toArray();
        int allocations = Integer.parseInt(opts.getOrDefault("allocations", "100000"));
        int runs = Integer.parseInt(opts.getOrDefault("runs", "3"));
        long seed = Long.parseLong(opts.getOrDefault("seed", "1"));
        List<String> scenarios = List.of(opts.getOrDefault("scenarios", "batch,batch-mixed,per-job").split(","));
        PlacementOptions options = opts.containsKey("candidates")
                ? PlacementOptions.DEFAULT.withCandidates(Integer.parseInt(opts.get("candidates")))
                : PlacementOptions.DEFAULT;
        Placer placer = new Placer(options);

        System.out.printf("Gantry placement benchmark: %d allocations, candidates scored per placement: %d, "
                        + "seed %d, java %s, %d cpus available%n", allocations, options.candidates(), seed,
                System.getProperty("java.version"), Runtime.getRuntime().availableProcessors());
        System.out.printf("%-12s %7s %8s %8s %7s %9s %14s %10s %11s %8s%n", "scenario", "nodes", "allocs",
                "placed", "failed", "seconds", "placements/s", "nodes used", "lower bound", "quality");
        List<Result> results = new ArrayList<>();
        for (int n : nodeCounts) {
            for (String scenario : scenarios) {
                Result best = null;
                for (int run = -1; run < runs; run++) { // run -1 warms the JIT up
                    Result r = run(placer, scenario, n, allocations, seed + Math.max(run, 0));
                    if (run >= 0 && (best == null || r.seconds() < best.seconds())) {
                        best = r;
                    }
                }
                results.add(best);
                System.out.printf("%-12s %7d %8d %8d %7d %9.3f %14.0f %10d %11d %8.3f%n", best.scenario(),
                        best.nodes(), best.allocations(), best.placed(), best.failed(), best.seconds(), best.rate(),
                        best.nodesUsed(), best.lowerBound(), best.quality());
            }
        }
        System.out.println();
        System.out.printf("peak RSS (VmHWM): %s; max heap %d MiB%n", peakRss(),
                Runtime.getRuntime().maxMemory() / MIB);
        System.out.println("targets:    >= 20,000 placements/s at 10,000 nodes on one core; bin-pack quality"
                + " (nodes used / lower bound) <= 1.05");
        System.out.println("references: kube-scheduler ~270-300 pods/s at 5,000 nodes (scheduling throughput"
                + " SLO tests); Nomad C1M ~3,750 containers/s (1M containers, 5 servers, 5,000 clients)");
    }

    static Result run(Placer placer, String scenario, int nodeCount, int allocationCount, long seed) {
        SplitMix64 rnd = new SplitMix64(seed);
        boolean mixed = scenario.equals("batch-mixed");
        List<Job> jobs = jobs(rnd, allocationCount, mixed, nodeCount);
        long sumCpu = 0;
        long sumMem = 0;
        for (Job j : jobs) {
            sumCpu += j.request().resources().cpuMillis() * j.count();
            sumMem += j.request().resources().memoryBytes() * j.count();
        }
        // Node size such that the lower bound fills TARGET_UTILISATION of the cluster, with the
        // cluster's cpu:memory ratio that of the demand (so neither dimension is free).
        long nodeCpu = roundUp((long) Math.ceil(sumCpu / (nodeCount * TARGET_UTILISATION)), 1000);
        long nodeMem = roundUp((long) Math.ceil(sumMem / (nodeCount * TARGET_UTILISATION)), GIB);
        List<NodeView> nodes = nodes(rnd, nodeCount, nodeCpu, nodeMem, mixed);
        long lowerBound = Math.max(ceilDiv(sumCpu, nodeCpu), ceilDiv(sumMem, nodeMem));

        int placed = 0;
        int failed = 0;
        Map<NodeId, long[]> used = new HashMap<>();
        long start;
        long elapsed;
        if (scenario.startsWith("batch")) {
            List<PendingAllocation> pending = pending(jobs);
            start = System.nanoTime();
            Plan plan = placer.place(ClusterSnapshot.of(nodes), pending, seed);
            elapsed = System.nanoTime() - start;
            placed = plan.placements().size();
            failed = plan.failures().size();
            countUsed(plan, pending, used);
        } else if (scenario.equals("per-job")) {
            // The core's path: each job planned against the cluster as the previous plans left it.
            Map<NodeId, Integer> index = new HashMap<>();
            for (int i = 0; i < nodes.size(); i++) {
                index.put(nodes.get(i).id(), i);
            }
            NodeView[] current = nodes.toArray(new NodeView[0]);
            elapsed = 0;
            int next = 0;
            for (Job job : jobs) {
                List<PendingAllocation> pending = new ArrayList<>(job.count());
                for (int k = 0; k < job.count(); k++) {
                    pending.add(new PendingAllocation(AllocationId.of("a-" + next++), job.request()));
                }
                ClusterSnapshot snapshot = ClusterSnapshot.of(Arrays.asList(current));
                start = System.nanoTime();
                Plan plan = placer.place(snapshot, pending, seed + next);
                elapsed += System.nanoTime() - start;
                placed += plan.placements().size();
                failed += plan.failures().size();
                Resources r = job.request().resources();
                for (Placement p : plan.placements()) {
                    int i = index.get(p.nodeId());
                    NodeView v = current[i];
                    current[i] = new NodeView(v.id(), v.status(), v.cpuCapacityMillis(), v.memoryCapacityBytes(),
                            v.cpuUsedMillis() + r.cpuMillis(), v.memoryUsedBytes() + r.memoryBytes(), v.labels(),
                            v.layers());
                    used.computeIfAbsent(p.nodeId(), k -> new long[2]);
                }
            }
        } else {
            throw new IllegalArgumentException("unknown scenario '" + scenario
                    + "' (batch, batch-mixed, per-job)");
        }
        return new Result(scenario, nodeCount, allocationCount, placed, failed, elapsed / 1e9, used.size(),
                lowerBound);
    }

    static List<Job> jobs(SplitMix64 rnd, int allocations, boolean mixed, int nodeCount) {
        int totalWeight = Arrays.stream(WEIGHTS).sum();
        List<Digest> images = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            images.add(Digest.sha256(("image-" + i).getBytes()));
        }
        List<Job> jobs = new ArrayList<>();
        int left = allocations;
        int id = 0;
        while (left > 0) {
            int count = Math.min(left, 1 + rnd.nextInt(40));
            int pick = rnd.nextInt(totalWeight);
            int size = 0;
            while (pick >= WEIGHTS[size]) {
                pick -= WEIGHTS[size++];
            }
            List<Constraint> constraints = List.of();
            PlacementStrategy strategy = PlacementStrategy.BINPACK;
            List<ImageLayer> layers = List.of();
            if (mixed) {
                double r = rnd.nextDouble();
                if (r < 0.2) {
                    constraints = List.of(Constraint.equal("zone", "zone-" + rnd.nextInt(3)));
                } else if (r < 0.3) {
                    strategy = PlacementStrategy.SPREAD;
                }
                if (rnd.nextDouble() < 0.3) {
                    Digest layer = images.get(rnd.nextInt(images.size()));
                    layers = List.of(new ImageLayer(layer, 300 * MIB));
                }
            }
            jobs.add(new Job(new PlacementRequest("job-" + id++, new Resources(SIZES[size][0], SIZES[size][1]),
                    constraints, false, strategy, layers), count));
            left -= count;
        }
        return jobs;
    }

    static List<NodeView> nodes(SplitMix64 rnd, int count, long cpu, long mem, boolean mixed) {
        List<Digest> images = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            images.add(Digest.sha256(("image-" + i).getBytes()));
        }
        List<NodeView> out = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            Map<String, String> labels = Map.of("zone", "zone-" + (i % 3));
            Set<Digest> layers = new HashSet<>();
            if (mixed) {
                for (Digest d : images) {
                    if (rnd.nextDouble() < 0.05) {
                        layers.add(d);
                    }
                }
            }
            out.add(new NodeView(NodeId.of(String.format("node-%05d", i)), NodeStatus.READY, cpu, mem, 0, 0,
                    labels, Set.copyOf(layers)));
        }
        return out;
    }

    static List<PendingAllocation> pending(List<Job> jobs) {
        List<PendingAllocation> out = new ArrayList<>();
        int next = 0;
        for (Job j : jobs) {
            for (int k = 0; k < j.count(); k++) {
                out.add(new PendingAllocation(AllocationId.of("a-" + next++), j.request()));
            }
        }
        return out;
    }

    static void countUsed(Plan plan, List<PendingAllocation> pending, Map<NodeId, long[]> used) {
        for (Placement p : plan.placements()) {
            used.computeIfAbsent(p.nodeId(), k -> new long[2]);
        }
    }

    static long roundUp(long v, long unit) {
        return ceilDiv(v, unit) * unit;
    }

    static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    static String peakRss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    long kb = Long.parseLong(line.replaceAll("[^0-9]", ""));
                    return (kb / 1024) + " MiB";
                }
            }
        } catch (IOException | RuntimeException e) {
            return "unknown (" + e.getMessage() + ")";
        }
        return "unknown";
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> out = new HashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("usage: PlacementBenchmark [--nodes 1000,10000] [--allocations N]"
                        + " [--runs N] [--candidates N] [--seed S] [--scenarios batch,batch-mixed,per-job];"
                        + " bad argument '" + args[i] + "'");
            }
            out.put(args[i].substring(2), args[++i]);
        }
        return out;
    }
}
