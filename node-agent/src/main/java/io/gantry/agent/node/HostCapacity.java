package io.gantry.agent.node;

import io.gantry.protocol.node.NodeResources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What a node offers to allocations when its configuration does not say: every cpu the JVM sees
 * (1000 millicores each), and the machine's memory ({@code MemTotal} of /proc/meminfo) less a
 * reserve for the host and the agent itself.
 */
public final class HostCapacity {

    private HostCapacity() {
    }

    /**
     * @param cpuMillis    configured cpu, or 0 for the host's
     * @param memoryBytes  configured memory, or 0 for the host's less {@code reserveBytes}
     */
    public static NodeResources resolve(long cpuMillis, long memoryBytes, long reserveBytes) {
        long cpu = cpuMillis > 0 ? cpuMillis : Runtime.getRuntime().availableProcessors() * 1000L;
        long mem = memoryBytes > 0 ? memoryBytes : Math.max(0, hostMemory() - reserveBytes);
        return new NodeResources(cpu, mem);
    }

    /** MemTotal in bytes, 0 when /proc/meminfo cannot be read. */
    public static long hostMemory() {
        try {
            return memTotal(Files.readString(Path.of("/proc/meminfo")));
        } catch (IOException e) {
            return 0;
        }
    }

    /** Parses the {@code MemTotal: N kB} line. */
    static long memTotal(String meminfo) {
        for (String line : meminfo.split("\n")) {
            if (line.startsWith("MemTotal:")) {
                String[] f = line.substring(9).trim().split("\\s+");
                long n = Long.parseLong(f[0]);
                return f.length > 1 && f[1].equalsIgnoreCase("kB") ? n * 1024 : n;
            }
        }
        return 0;
    }
}
