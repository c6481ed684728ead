package io.gantry.agent.runtime;

import io.gantry.protocol.node.NodeResources;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The cgroup reading over fake cgroup trees (files as the kernel shows them) in a temp directory. */
class CgroupUsageTest {

    static final long MS = 1_000_000L;
    static final long SECOND = 1_000 * MS;

    @TempDir
    Path root;

    private void v1(String cgroup, long memoryBytes, long cpuNanos) throws IOException {
        write(root.resolve("memory").resolve(cgroup).resolve("memory.usage_in_bytes"), memoryBytes + "\n");
        write(root.resolve("cpuacct").resolve(cgroup).resolve("cpuacct.usage"), cpuNanos + "\n");
    }

    private void v2(String cgroup, long memoryBytes, long cpuMicros) throws IOException {
        write(root.resolve("unified").resolve(cgroup).resolve("memory.current"), memoryBytes + "\n");
        write(root.resolve("unified").resolve(cgroup).resolve("cpu.stat"),
                "usage_usec " + cpuMicros + "\nuser_usec " + cpuMicros / 2 + "\nsystem_usec " + cpuMicros / 2 + "\n");
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, content);
    }

    /** The layout of a hybrid host like this one, its mounts in the temp directory. */
    private CgroupLayout hybrid() {
        return CgroupLayout.parse(List.of(
                "32 31 0:29 / " + root.resolve("cpu") + " rw,relatime - cgroup cgroup rw,cpu",
                "33 31 0:30 / " + root.resolve("cpuacct") + " rw,relatime - cgroup cgroup rw,cpuacct",
                "35 31 0:32 / " + root.resolve("memory") + " rw,relatime - cgroup cgroup rw,memory",
                "41 31 0:38 / " + root.resolve("unified") + " rw,relatime - cgroup2 cgroup2 rw"), List.of());
    }

    @Test
    void v1MemoryIsSummedAndCpuIsTheRateSinceThePreviousSample() throws IOException {
        v1("gantry/a", 10 << 20, 4 * SECOND);
        v1("gantry/b", 20 << 20, 1 * SECOND);
        CgroupUsage usage = CgroupUsage.of(hybrid());
        List<String> both = List.of("/gantry/a", "/gantry/b");

        assertEquals(new NodeResources(0, 30 << 20), usage.sample(both, 100 * SECOND),
                "the first sample has no rate: when the counters started is unknown");

        v1("gantry/a", 12 << 20, 4 * SECOND + 500 * MS);
        v1("gantry/b", 20 << 20, 1 * SECOND + 250 * MS);
        assertEquals(new NodeResources(750, 32 << 20), usage.sample(both, 101 * SECOND),
                "half a cpu and a quarter of one over one second");

        // a restarted b (a new cgroup, its counter from zero) and a new c count with all they used;
        // a is gone (not running any more) and counts no more
        v1("gantry/b", 5 << 20, 100 * MS);
        v1("gantry/c", 1 << 20, 300 * MS);
        assertEquals(new NodeResources(200, 6 << 20), usage.sample(List.of("/gantry/b", "/gantry/c"), 103 * SECOND),
                "400 ms of cpu over two seconds");
    }

    @Test
    void missingCgroupsAndPathsOutsideTheHierarchyAddNothing() throws IOException {
        v1("gantry/a", 1000, SECOND);
        write(root.resolve("memory/gantry/odd/memory.usage_in_bytes"), "not a number\n");
        CgroupUsage usage = CgroupUsage.of(hybrid());
        List<String> paths = List.of("/gantry/a", "/gantry/never-started", "/gantry/odd", "relative/a", "/../gantry/a", "/");
        usage.sample(paths, 0);
        v1("gantry/a", 2000, 2 * SECOND);
        assertEquals(new NodeResources(1000, 2000), usage.sample(paths, SECOND));
        assertEquals(NodeResources.ZERO, usage.sample(List.of(), 2 * SECOND));
    }

    @Test
    void aHostWithoutControllersMeasuresNothing() throws IOException {
        v1("gantry/a", 1000, SECOND);
        CgroupUsage none = CgroupUsage.of(CgroupLayout.parse(List.of(), List.of()));
        none.sample(List.of("/gantry/a"), 0);
        assertEquals(NodeResources.ZERO, none.sample(List.of("/gantry/a"), SECOND));
    }

    @Test
    void v2ReadsMemoryCurrentAndUsageUsecOfCpuStat() throws IOException {
        v2("gantry/a", 64 << 20, 2_000_000);
        CgroupLayout layout = CgroupLayout.parse(List.of("30 25 0:26 / " + root.resolve("unified") + " rw - cgroup2 cgroup2 rw"),
                List.of("cpu", "memory", "pids"));
        CgroupUsage usage = CgroupUsage.of(layout);
        assertEquals(new NodeResources(0, 64 << 20), usage.sample(List.of("/gantry/a"), 0));
        v2("gantry/a", 65 << 20, 3_500_000);
        assertEquals(new NodeResources(750, 65 << 20), usage.sample(List.of("/gantry/a"), 2 * SECOND));
    }

    @Test
    void aNodeWithCpuAndCpuacctCoMountedFindsTheCounters() throws IOException {
        write(root.resolve("cpu,cpuacct/gantry/a/cpuacct.usage"), "0\n");
        CgroupLayout layout = CgroupLayout.parse(List.of(
                "33 31 0:30 / " + root.resolve("cpu,cpuacct") + " rw,relatime - cgroup cgroup rw,cpu,cpuacct"), List.of());
        assertEquals(Optional.of(root.resolve("cpu,cpuacct")), layout.v1Cpuacct());
        CgroupUsage usage = CgroupUsage.of(layout);
        usage.sample(List.of("/gantry/a"), 0);
        write(root.resolve("cpu,cpuacct/gantry/a/cpuacct.usage"), Long.toString(SECOND) + "\n");
        assertEquals(new NodeResources(1000, 0), usage.sample(List.of("/gantry/a"), SECOND));
    }
}
