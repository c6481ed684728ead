package io.gantry.agent.runtime;

import io.gantry.protocol.node.NodeResources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * What a set of containers use, read from their cgroups: memory in use now and cpu as a rate
 * (millicores) over the time since the previous sample. This is what the scheduler shows as a
 * node's usage, beside what the allocations reserve.
 *
 * <ul>
 *   <li>memory: cgroup v1 {@code memory.usage_in_bytes}, v2 {@code memory.current} (both count
 *       the page cache the container caused, as the kernel charges it);</li>
 *   <li>cpu: v1 {@code cpuacct.usage} (nanoseconds), v2 {@code usage_usec} of {@code cpu.stat};
 *       both are counters since the cgroup was created, so the rate needs two samples. A cgroup
 *       seen for the first time counts with all its usage when an earlier sample exists (it was
 *       created since) and with none at the very first sample (the counter's start is unknown);
 *       a counter that went backwards belongs to a new cgroup of the same name (a restart).</li>
 * </ul>
 * A cgroup that does not exist (a runtime without cgroups, a container that just ended) adds
 * nothing. Not thread-safe: one caller at a time (the agent samples off its actor, one sample
 * after the other).
 */
public final class CgroupUsage {

    private final Optional<Path> memoryRoot;
    private final boolean memoryV2;
    private final Optional<Path> cpuRoot;
    private final boolean cpuV2;
    private final Map<String, Long> lastCpuNanos = new HashMap<>();
    private long lastSampleNanos = -1;

    /**
     * @param memoryRoot where the memory controller's hierarchy is mounted (empty: none)
     * @param memoryV2   that mount is the unified (v2) tree
     * @param cpuRoot    where cpu accounting's hierarchy is mounted (empty: none)
     * @param cpuV2      that mount is the unified (v2) tree
     */
    public CgroupUsage(Optional<Path> memoryRoot, boolean memoryV2, Optional<Path> cpuRoot, boolean cpuV2) {
        this.memoryRoot = memoryRoot;
        this.memoryV2 = memoryV2;
        this.cpuRoot = cpuRoot;
        this.cpuV2 = cpuV2;
    }

    /** The host's controllers, v1 where a v1 hierarchy has them, else the unified tree's. */
    public static CgroupUsage of(CgroupLayout layout) {
        Optional<Path> memory = layout.v1Memory().isPresent() ? layout.v1Memory()
                : layout.memoryInUnified() ? layout.unified() : Optional.empty();
        Optional<Path> cpu = layout.v1Cpuacct().isPresent() ? layout.v1Cpuacct()
                : layout.cpuInUnified() ? layout.unified() : Optional.empty();
        return new CgroupUsage(memory, layout.v1Memory().isEmpty(), cpu, layout.v1Cpuacct().isEmpty());
    }

    /**
     * Sums the use of the cgroups at {@code cgroupsPaths} (as in the bundles' {@code cgroupsPath},
     * e.g. {@code /gantry/<container id>}; other paths are ignored).
     *
     * @param nowNanos a monotonic time ({@link System#nanoTime()}), for the cpu rate
     */
    public NodeResources sample(Collection<String> cgroupsPaths, long nowNanos) {
        long memory = 0;
        long cpuNanos = 0;
        Map<String, Long> seen = new HashMap<>();
        for (String path : cgroupsPaths) {
            Optional<String> rel = relative(path);
            if (rel.isEmpty()) {
                continue;
            }
            memory += memoryRoot.flatMap(root -> memoryOf(root.resolve(rel.get()))).orElse(0L);
            Optional<Long> counter = cpuRoot.flatMap(root -> cpuNanosOf(root.resolve(rel.get())));
            if (counter.isPresent()) {
                long now = counter.get();
                seen.put(path, now);
                Long before = lastCpuNanos.get(path);
                if (before != null && now >= before) {
                    cpuNanos += now - before;
                } else if (lastSampleNanos >= 0) {
                    cpuNanos += now; // created since the last sample (or a new cgroup of the same name)
                }
            }
        }
        long elapsed = lastSampleNanos < 0 ? 0 : nowNanos - lastSampleNanos;
        lastSampleNanos = nowNanos;
        lastCpuNanos.clear();
        lastCpuNanos.putAll(seen);
        long cpuMillis = elapsed <= 0 ? 0 : Math.round(cpuNanos * 1000.0 / elapsed);
        return new NodeResources(cpuMillis, memory);
    }

    private static Optional<String> relative(String cgroupsPath) {
        if (cgroupsPath == null || !cgroupsPath.startsWith("/") || cgroupsPath.equals("/")
                || cgroupsPath.contains("..")) {
            return Optional.empty();
        }
        return Optional.of(cgroupsPath.substring(1));
    }

    private Optional<Long> memoryOf(Path dir) {
        return readNumber(dir.resolve(memoryV2 ? "memory.current" : "memory.usage_in_bytes"));
    }

    private Optional<Long> cpuNanosOf(Path dir) {
        if (!cpuV2) {
            return readNumber(dir.resolve("cpuacct.usage"));
        }
        try {
            for (String line : Files.readAllLines(dir.resolve("cpu.stat"))) {
                if (line.startsWith("usage_usec ")) {
                    return Optional.of(Math.multiplyExact(Long.parseLong(line.substring(11).trim()), 1000L));
                }
            }
            return Optional.empty();
        } catch (IOException | NumberFormatException | ArithmeticException e) {
            return Optional.empty();
        }
    }

    /** A file holding one non-negative number; empty when it is missing or holds something else. */
    private static Optional<Long> readNumber(Path file) {
        try {
            long n = Long.parseLong(Files.readString(file).trim());
            return n >= 0 ? Optional.of(n) : Optional.empty();
        } catch (IOException | NumberFormatException e) {
            return Optional.empty(); // no such cgroup (any more), or not a counter
        }
    }
}
