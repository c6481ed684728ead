package io.gantry.protocol.job;

import java.util.Objects;
import java.util.OptionalLong;

/**
 * What one allocation of a job reserves on its node: cpu in millicores (1000 = one core),
 * memory in bytes (a hard limit; exceeding it is an OOM kill), and optionally a limit on the
 * number of processes. The scheduler never overcommits cpu or memory.
 */
public record Resources(long cpuMillis, long memoryBytes, OptionalLong pids) {

    public static final long MIB = 1024L * 1024L;
    public static final long MIN_MEMORY_BYTES = 4 * MIB;
    /** 16 TiB: more than any single machine Gantry will meet; larger asks are typos. */
    public static final long MAX_MEMORY_BYTES = 16L * 1024 * 1024 * MIB;
    /** 1024 cores. */
    public static final long MAX_CPU_MILLIS = 1024L * 1000;
    /** Linux's PID_MAX_LIMIT on 64-bit systems. */
    public static final long MAX_PIDS = 4_194_304L;

    public static final long DEFAULT_CPU_MILLIS = 100;
    public static final long DEFAULT_MEMORY_BYTES = 256 * MIB;
    public static final Resources DEFAULT = new Resources(DEFAULT_CPU_MILLIS, DEFAULT_MEMORY_BYTES, OptionalLong.empty());

    public Resources {
        Objects.requireNonNull(pids, "pids");
    }

    public Resources(long cpuMillis, long memoryBytes) {
        this(cpuMillis, memoryBytes, OptionalLong.empty());
    }
}
