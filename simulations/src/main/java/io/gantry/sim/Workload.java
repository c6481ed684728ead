package io.gantry.sim;

import io.gantry.protocol.job.Backoff;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.PlacementStrategy;
import io.gantry.protocol.job.RestartPolicy;
import io.gantry.protocol.oci.Digest;
import io.gantry.scheduler.placement.ImageLayer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the simulated users run: images (layer stacks sharing base layers, as real images do),
 * jobs with their specs, and how each job's program behaves once started — the part a real
 * cluster gets from the containers themselves. All drawn from the workload's random stream.
 *
 * <ul>
 *   <li>{@code SERVICE}: runs until it crashes, rarely (mean time to failure of hours), a fifth
 *       of the crashes being OOM kills;</li>
 *   <li>{@code FLAKY}: a service that crashes every quarter hour or so;</li>
 *   <li>{@code BATCH}: exits 0 after a few minutes of work.</li>
 * </ul>
 * Roughly a third of the jobs have {@code count = 1}, the ones the single-instance invariant watches.
 */
public final class Workload {

    public enum Behaviour { SERVICE, FLAKY, BATCH }

    /** One job as submitted, plus its program's behaviour. */
    public record Job(JobSpec spec, Behaviour behaviour, long meanTimeToFailure, double oomShare,
                      long minRun, long maxRun, long startLatency, double hangOnStop) {
        public String id() {
            return spec.id();
        }
    }

    public record Image(String reference, List<ImageLayer> layers) {
        public long bytes() {
            long b = 0;
            for (ImageLayer l : layers) {
                b += l.size();
            }
            return b;
        }
    }

    private static final long MIB = 1L << 20;

    private final List<Image> images = new ArrayList<>();
    private final Map<String, Image> imagesByRef = new LinkedHashMap<>();
    private final List<Job> jobs = new ArrayList<>();
    private final Map<String, Job> byId = new LinkedHashMap<>();

    /**
     * @param jobs        how many jobs
     * @param allocations how many allocations in all (the counts are drawn, then adjusted to sum to it)
     */
    public Workload(SimRandom rnd, int jobCount, int allocations, int agents) {
        int jobs = jobCount;
        if (jobs < 1) {
            throw new IllegalArgumentException("--jobs must be at least 1, got " + jobs);
        }
        if (allocations < jobs) {
            throw new IllegalArgumentException("--allocations (" + allocations + ") must be at least --jobs (" + jobs + ")");
        }
        int baseCount = 8;
        List<ImageLayer> base = new ArrayList<>();
        for (int i = 0; i < baseCount; i++) {
            base.add(layer("base-" + i, rnd.between(5, 200) * MIB));
        }
        int imageCount = Math.max(1, Math.min(30, jobs / 2));
        for (int i = 0; i < imageCount; i++) {
            List<ImageLayer> layers = new ArrayList<>();
            layers.add(base.get(rnd.nextInt(base.size())));
            if (rnd.chance(0.6)) {
                ImageLayer second = base.get(rnd.nextInt(base.size()));
                if (!layers.contains(second)) {
                    layers.add(second);
                }
            }
            int own = 1 + rnd.nextInt(3);
            for (int j = 0; j < own; j++) {
                layers.add(layer("app-" + i + "-" + j, rnd.between(1, 120) * MIB));
            }
            Image img = new Image("registry.local/app-" + i + ":1", List.copyOf(layers));
            images.add(img);
            imagesByRef.put(img.reference(), img);
        }

        int[] counts = new int[jobs];
        double mean = (double) allocations / jobs;
        int sum = 0;
        for (int i = 0; i < jobs; i++) {
            counts[i] = rnd.chance(Math.min(0.35, 1 / mean)) ? 1 : 1 + (int) rnd.between(1, Math.max(1, Math.round(2 * mean - 2)));
            sum += counts[i];
        }
        // adjust to the exact total, spread over the jobs with count > 1
        int i = 0;
        int guard = 0;
        while (sum != allocations && guard++ < 50_000_000) {
            int j = i++ % jobs;
            if (sum < allocations && counts[j] > 1) {
                counts[j]++;
                sum++;
            } else if (sum > allocations && counts[j] > 2) {
                counts[j]--;
                sum--;
            } else if (sum < allocations && mean > 1 && guard > jobs) {
                counts[j]++;
                sum++;
            } else if (sum > allocations && guard > jobs && counts[j] > 1) {
                counts[j]--;
                sum--;
            }
        }

        for (int j = 0; j < jobs; j++) {
            String id = jobId(jobs, j);
            Image img = images.get(rnd.nextInt(images.size()));
            int b = rnd.nextInt(100);
            Behaviour behaviour = b < 78 ? Behaviour.SERVICE : b < 88 ? Behaviour.FLAKY : Behaviour.BATCH;
            RestartPolicy restart;
            int r = rnd.nextInt(100);
            if (behaviour == Behaviour.BATCH) {
                restart = r < 80 ? RestartPolicy.onFailure() : RestartPolicy.NO;
            } else {
                restart = r < 35 ? RestartPolicy.ALWAYS : r < 45 ? RestartPolicy.UNLESS_STOPPED
                        : r < 75 ? RestartPolicy.onFailure() : r < 93 ? RestartPolicy.onFailure(3) : RestartPolicy.NO;
            }
            Backoff backoff = rnd.chance(0.7) ? Backoff.DEFAULT
                    : new Backoff(Duration.ofMillis(rnd.between(200, 3000)), Duration.ofSeconds(rnd.between(10, 120)));
            long cpu = 100L * (1 + rnd.nextInt(8));
            long mem = 128 * MIB * (1 + rnd.nextInt(12));
            JobSpec.Builder spec = JobSpec.builder(id, img.reference()).count(counts[j]).resources(cpu, mem)
                    .restart(restart).restartBackoff(backoff).env("GENERATION", "1");
            if (counts[j] > 1 && rnd.chance(0.15)) {
                spec.placement(PlacementStrategy.SPREAD);
            }
            if (counts[j] > 1 && counts[j] <= Math.min(4, agents / 2) && rnd.chance(0.1)) {
                spec.distinctHosts(true);
            }
            long mttf = switch (behaviour) {
                case SERVICE -> rnd.between(3, 12) * 3_600_000L;
                case FLAKY -> rnd.between(5, 25) * 60_000L;
                case BATCH -> 24 * 3_600_000L;
            };
            long minRun = behaviour == Behaviour.BATCH ? rnd.between(30_000, 300_000) : 0;
            long maxRun = behaviour == Behaviour.BATCH ? minRun + rnd.between(10_000, 900_000) : 0;
            long startLatency = rnd.chance(0.05) ? rnd.between(5_000, 20_000) : rnd.between(50, 800);
            Job job = new Job(spec.build(), behaviour, mttf, behaviour == Behaviour.FLAKY ? 0.4 : 0.2, minRun, maxRun,
                    startLatency, rnd.chance(0.1) ? 0.5 : 0.02);
            this.jobs.add(job);
            byId.put(id, job);
        }
    }

    /** The id of the j-th (0-based) of {@code jobs} jobs: job-0001, job-0002, ... */
    public static String jobId(int jobs, int j) {
        int width = Math.max(4, Integer.toString(jobs).length());
        return String.format("job-%0" + width + "d", j + 1);
    }

    public static List<String> jobIdsFor(int jobs) {
        List<String> out = new ArrayList<>(jobs);
        for (int j = 0; j < jobs; j++) {
            out.add(jobId(jobs, j));
        }
        return out;
    }

    private static ImageLayer layer(String name, long size) {
        return new ImageLayer(Digest.sha256(name.getBytes(StandardCharsets.UTF_8)), size);
    }

    /**
     * Refuses a workload that leaves no room to survive faults: what the jobs reserve must stay
     * within {@code share} of the cluster's cpu and memory, or convergence cannot be expected.
     */
    public void checkFits(long cpuCapacity, long memoryCapacity, double share) {
        long cpu = 0;
        long mem = 0;
        for (Job j : jobs) {
            cpu += j.spec().resources().cpuMillis() * j.spec().count();
            mem += j.spec().resources().memoryBytes() * j.spec().count();
        }
        if (cpu > share * cpuCapacity || mem > share * memoryCapacity) {
            throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
                    "the workload does not fit: %d allocations reserve %d cores and %d GiB, the nodes have %d cores"
                            + " and %d GiB; keep it under %.0f%% so the cluster can lose nodes (more --nodes or fewer"
                            + " --allocations)", totalAllocations(), cpu / 1000, mem >> 30, cpuCapacity / 1000,
                    memoryCapacity >> 30, share * 100));
        }
    }

    public List<Job> jobs() {
        return Collections.unmodifiableList(jobs);
    }

    public Job job(String id) {
        return byId.get(id);
    }

    public List<String> jobIds() {
        return new ArrayList<>(byId.keySet());
    }

    public List<Image> images() {
        return Collections.unmodifiableList(images);
    }

    public Image image(String reference) {
        return imagesByRef.get(reference);
    }

    public int totalAllocations() {
        int n = 0;
        for (Job j : jobs) {
            n += j.spec().count();
        }
        return n;
    }
}
