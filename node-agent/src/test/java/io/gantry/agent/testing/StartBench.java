package io.gantry.agent.testing;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

/**
 * What the container start benchmarks share (node-agent's {@code StartBenchmark}, ops'
 * {@code StartApiBenchmark} and {@code SubmitToRunningBenchmark}): timed modes run in rounds of
 * one run each in a new seeded order, the table of median, p95, min and mean, podman as the
 * reference, and the small process and /proc helpers. Numbers only, never pass/fail.
 */
public final class StartBench {

    private StartBench() {
    }

    /** One way of starting a container, timed. */
    public interface Mode {
        String name();

        /** One timed run; returns nanoseconds from start to observed exit. */
        long run(int i) throws Exception;

        default void close() throws Exception {
        }
    }

    /**
     * Runs {@code warmup + runs} rounds, each mode once per round, each round in a new (seeded)
     * order: load from other processes hits all modes alike and none always follows the same one
     * (podman's cleanup outlives its run and is waited for, but modes differ in what they leave).
     * Closes the modes. Returns each mode's samples without the warm-up, by name, in mode order.
     */
    public static Map<String, long[]> inRounds(List<? extends Mode> modes, int warmup, int runs) throws Exception {
        Map<String, long[]> samples = new LinkedHashMap<>();
        modes.forEach(m -> samples.put(m.name(), new long[runs]));
        try {
            Random order = new Random(42);
            for (int i = 0; i < warmup + runs; i++) {
                List<Mode> round = new ArrayList<>(modes);
                Collections.shuffle(round, order);
                for (Mode m : round) {
                    long ns = m.run(i);
                    if (i >= warmup) {
                        samples.get(m.name())[i - warmup] = ns;
                    }
                }
            }
        } finally {
            for (Mode m : modes) {
                m.close();
            }
        }
        return samples;
    }

    /** Prints the table header and a row per mode; returns the medians in milliseconds, by name. */
    public static Map<String, Double> printTable(Map<String, long[]> samples) {
        int width = samples.keySet().stream().mapToInt(String::length).max().orElse(4);
        printHeader(width);
        Map<String, Double> medians = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : samples.entrySet()) {
            long[] s = e.getValue().clone();
            Arrays.sort(s);
            medians.put(e.getKey(), ms(percentile(s, 50)));
            printRow(e.getKey(), s, width);
        }
        return medians;
    }

    public static void printHeader(int width) {
        System.out.printf(Locale.ROOT, "%-" + width + "s %9s %9s %9s %9s%n", "mode", "median", "p95", "min", "mean");
    }

    /** One row of the table: {@code sorted} ascending, in nanoseconds. */
    public static void printRow(String name, long[] sorted, int width) {
        System.out.printf(Locale.ROOT, "%-" + width + "s %6.1f ms %6.1f ms %6.1f ms %6.1f ms%n", name, ms(percentile(sorted, 50)),
                ms(percentile(sorted, 95)), ms(sorted[0]), ms((long) Arrays.stream(sorted).average().orElse(0)));
    }

    /**
     * The median of the per-round differences {@code a[i] - b[i]}, in milliseconds: both ran in the
     * same round, so a slow stretch of the machine weighs on both, and this varies less from run
     * to run than the difference of the two medians.
     */
    public static double pairedMedianMs(long[] a, long[] b) {
        long[] d = new long[Math.min(a.length, b.length)];
        for (int i = 0; i < d.length; i++) {
            d[i] = a[i] - b[i];
        }
        Arrays.sort(d);
        return ms(percentile(d, 50));
    }

    /** CPU time (user + system, in clock ticks of 10 ms) that process {@code pid} has used, ended threads included. */
    public static long cpuTicks(long pid) throws IOException {
        return cpuTicksIn(Path.of("/proc", Long.toString(pid), "stat"));
    }

    /**
     * CPU time (in clock ticks of 10 ms) that the live threads of process {@code pid} whose name
     * contains {@code name} have used ("CompilerThre": the JIT compilers).
     */
    public static long cpuTicksOfThreads(long pid, String name) throws IOException {
        long ticks = 0;
        try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    if (Files.readString(t.resolve("comm")).contains(name)) {
                        ticks += cpuTicksIn(t.resolve("stat"));
                    }
                } catch (IOException ended) {
                    // the thread ended meanwhile
                }
            }
        }
        return ticks;
    }

    private static long cpuTicksIn(Path stat) throws IOException {
        String s = Files.readString(stat);
        // the fields after "(comm) ": the state is the first, utime the 12th, stime the 13th
        String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    /**
     * {@code podman run --rm --network none} of {@code /bin/true} in the files of {@code rootfs}
     * imported as {@code image}, with runc and cgroupfs, and the ulimits root may grant here
     * (podman asks for more than that without CAP_SYS_RESOURCE; its process chain has a lower
     * nproc hard limit than the JVM). Each run waits for podman's cleanup, outside its timing.
     * Null (said why on stdout) when podman can't import or run it here.
     */
    public static Mode podman(Path podman, Path rootfs, Path work, String image) throws Exception {
        Path tar = work.resolve("rootfs.tar");
        if (quiet(List.of("tar", "-C", rootfs.toString(), "-cf", tar.toString(), ".")).waitFor() != 0
                || quiet(List.of(podman.toString(), "import", tar.toString(), image)).waitFor() != 0) {
            System.out.println("podman: image import failed, skipped");
            return null;
        }
        List<String> cmd = List.of(podman.toString(), "run", "--rm", "--network", "none", "--runtime", "runc",
                "--cgroup-manager", "cgroupfs", "--ulimit", "nofile=20000:20000", "--ulimit", "nproc=4096:4096", image, "/bin/true");
        Process probe = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(probe.getInputStream().readAllBytes());
        if (probe.waitFor() != 0) {
            System.out.println("podman: cannot run here, skipped: " + out.strip());
            return null;
        }
        return new Mode() {
            @Override
            public String name() {
                return "podman run --rm --network none (runc)";
            }

            @Override
            public long run(int i) throws Exception {
                long t0 = System.nanoTime();
                check(quiet(cmd).waitFor(), "podman run " + i);
                long t = System.nanoTime() - t0;
                awaitGone(List.of("podman", "conmon"), Duration.ofSeconds(3)); // its cleanup runs on after it returned
                return t;
            }

            @Override
            public void close() throws Exception {
                quiet(List.of(podman.toString(), "rmi", "-f", image)).waitFor();
            }
        };
    }

    /**
     * Waits (up to {@code max}) until no process has one of {@code names} as its command name:
     * podman's container cleanup (conmon, {@code podman container cleanup}) goes on after
     * {@code podman run} returned and would otherwise run during the next mode's timing.
     */
    public static void awaitGone(List<String> names, Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        while (System.nanoTime() < deadline) {
            boolean any = ProcessHandle.allProcesses().anyMatch(p -> {
                try {
                    return names.contains(Files.readString(Path.of("/proc", Long.toString(p.pid()), "comm")).strip());
                } catch (IOException gone) {
                    return false;
                }
            });
            if (!any) {
                return;
            }
            Thread.sleep(5);
        }
    }

    /** {@code cmd} started with stdin from /dev/null and its output discarded. */
    public static Process quiet(List<String> cmd) throws IOException {
        return new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    }

    public static void check(int rc, String what) {
        if (rc != 0) {
            throw new IllegalStateException(what + " exited " + rc);
        }
    }

    public static long percentile(long[] sorted, int p) {
        int idx = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, idx))];
    }

    public static double ms(long ns) {
        return ns / 1e6;
    }

    /** A field of a /proc status file ({@code VmHWM}, {@code VmRSS}), or "?". */
    public static String status(String key, Path file) {
        try {
            return Files.readAllLines(file).stream().filter(l -> l.startsWith(key + ":"))
                    .map(l -> l.substring(key.length() + 1).trim()).findFirst().orElse("?");
        } catch (IOException e) {
            return "?";
        }
    }
}
