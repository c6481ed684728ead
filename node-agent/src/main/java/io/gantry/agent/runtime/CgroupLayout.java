package io.gantry.agent.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where the host's cgroup hierarchies are mounted, read from {@code /proc/self/mountinfo}: the
 * v1 hierarchies by controller, and the v2 (unified) mount. On a hybrid host such as this one the
 * memory controller lives in v1 and {@code /sys/fs/cgroup/unified} is a v2 mount without
 * controllers; on a pure v2 host the memory controller is in the unified tree.
 *
 * <p>The runtime needs it for one thing the OCI runtimes don't report: whether the kernel's OOM
 * killer struck in the container's memory cgroup ({@code oom_kill} in v1's
 * {@code memory.oom_control} and in v2's {@code memory.events}). The agent reads the containers'
 * use of memory and cpu from the memory and cpu accounting controllers ({@link CgroupUsage}).
 *
 * @param v1Cpuacct    the v1 hierarchy with the {@code cpuacct} controller (often co-mounted with cpu)
 * @param cpuInUnified the v2 tree has the {@code cpu} controller (its {@code cpu.stat} counts usage)
 */
public record CgroupLayout(List<Path> v1Mounts, Optional<Path> v1Memory, Optional<Path> unified, boolean memoryInUnified,
                           Optional<Path> v1Cpuacct, boolean cpuInUnified) {

    public static CgroupLayout detect() {
        try {
            return parse(Files.readAllLines(Path.of("/proc/self/mountinfo")), readUnifiedControllers());
        } catch (IOException e) {
            return new CgroupLayout(List.of(), Optional.empty(), Optional.empty(), false, Optional.empty(), false);
        }
    }

    private static List<String> readUnifiedControllers() {
        for (String p : List.of("/sys/fs/cgroup/cgroup.controllers", "/sys/fs/cgroup/unified/cgroup.controllers")) {
            try {
                return List.of(Files.readString(Path.of(p)).trim().split("\\s+"));
            } catch (IOException ignored) {
                // not that layout
            }
        }
        return List.of();
    }

    /** Parses mountinfo lines; {@code unifiedControllers} are those enabled in the v2 root. */
    static CgroupLayout parse(List<String> mountinfo, List<String> unifiedControllers) {
        List<Path> v1 = new ArrayList<>();
        Path memory = null;
        Path cpuacct = null;
        Path unified = null;
        for (String line : mountinfo) {
            int dash = line.indexOf(" - ");
            if (dash < 0) {
                continue;
            }
            String[] pre = line.substring(0, dash).split(" ");
            String[] post = line.substring(dash + 3).split(" ");
            if (pre.length < 5 || post.length < 3) {
                continue;
            }
            Path mountPoint = Path.of(unescape(pre[4]));
            if (post[0].equals("cgroup2")) {
                unified = mountPoint;
            } else if (post[0].equals("cgroup")) {
                v1.add(mountPoint);
                for (String opt : post[2].split(",")) {
                    if (opt.equals("memory")) {
                        memory = mountPoint;
                    } else if (opt.equals("cpuacct")) {
                        cpuacct = mountPoint;
                    }
                }
            }
        }
        boolean memoryInUnified = memory == null && unified != null && unifiedControllers.contains("memory");
        boolean cpuInUnified = cpuacct == null && unified != null && unifiedControllers.contains("cpu");
        return new CgroupLayout(List.copyOf(v1), Optional.ofNullable(memory), Optional.ofNullable(unified), memoryInUnified,
                Optional.ofNullable(cpuacct), cpuInUnified);
    }

    /**
     * The file whose {@code oom_kill} line counts OOM kills in the memory cgroup at
     * {@code cgroupsPath} (as written in the bundle, e.g. {@code /gantry/abc}), if the host has a
     * memory controller and the path is absolute.
     */
    public Optional<Path> oomCounterFile(String cgroupsPath) {
        if (cgroupsPath == null || !cgroupsPath.startsWith("/") || cgroupsPath.contains("..")) {
            return Optional.empty();
        }
        String rel = cgroupsPath.substring(1);
        if (v1Memory.isPresent()) {
            return Optional.of(v1Memory.get().resolve(rel).resolve("memory.oom_control"));
        }
        if (memoryInUnified) {
            return Optional.of(unified.get().resolve(rel).resolve("memory.events"));
        }
        return Optional.empty();
    }

    /** Every directory a runtime may have created for {@code cgroupsPath}, one per hierarchy. */
    public List<Path> directoriesOf(String cgroupsPath) {
        List<Path> out = new ArrayList<>();
        if (cgroupsPath == null || !cgroupsPath.startsWith("/") || cgroupsPath.contains("..") || cgroupsPath.equals("/")) {
            return out;
        }
        String rel = cgroupsPath.substring(1);
        for (Path m : v1Mounts) {
            out.add(m.resolve(rel));
        }
        unified.ifPresent(u -> out.add(u.resolve(rel)));
        return out;
    }

    private static String unescape(String s) {
        return s.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
    }
}
