package io.gantry.agent.bundle;

import io.gantry.agent.bundle.OciSpec.Capabilities;
import io.gantry.agent.bundle.OciSpec.Device;
import io.gantry.agent.bundle.OciSpec.DeviceRule;
import io.gantry.agent.bundle.OciSpec.Mount;
import io.gantry.agent.bundle.OciSpec.Namespace;
import io.gantry.agent.bundle.OciSpec.Rlimit;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Builds an OCI runtime spec with Docker's defaults from already resolved values (command,
 * environment, user ids, mounts, limits). It decides nothing about images or jobs -- that is
 * {@link ContainerConfigResolver}'s work -- and touches no files, so every default below is
 * checked by plain unit tests.
 *
 * <p>Defaults, as {@code docker run} gives them: namespaces pid, mount, ipc, uts and a new
 * network namespace unless the network is {@code host}; Docker's 14 default capabilities;
 * {@code noNewPrivileges}; Docker's masked and read-only {@code /proc} and {@code /sys} paths;
 * {@code /proc}, read-only {@code /sys}, a {@code /dev} tmpfs with null, zero, full, random,
 * urandom and tty created by the runtime ({@code linux.devices}) and a device cgroup that allows
 * only those (plus pts, ptmx, tun), {@code /dev/pts}, a 64 MiB {@code /dev/shm},
 * {@code /dev/mqueue}. Memory swap equals the memory limit (no swap use).
 */
public final class RuntimeSpecBuilder {

    public enum Network { HOST, NONE }

    /** Docker's default capability set (moby oci/caps/defaults.go). */
    public static final List<String> DOCKER_DEFAULT_CAPABILITIES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

    /** Docker's masked paths: hidden behind /dev/null or an empty read-only tmpfs. */
    public static final List<String> MASKED_PATHS = List.of(
            "/proc/asound", "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
            "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/proc/scsi",
            "/sys/firmware", "/sys/devices/virtual/powercap");

    public static final List<String> READONLY_PATHS = List.of(
            "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

    public static final long DEFAULT_CPU_PERIOD = 100_000;
    private static final long MIN_CPU_SHARES = 2;

    private List<String> args;
    private List<String> env = List.of();
    private String cwd = "/";
    private long uid;
    private long gid;
    private List<Long> additionalGids = List.of();
    private String hostname;
    private Network network = Network.NONE;
    private Path rootfs;
    private boolean readonlyRootfs;
    private final List<Mount> extraMounts = new ArrayList<>();
    private Long memoryBytes;
    private Long cpuShares;
    private Long cpuQuota;
    private long cpuPeriod = DEFAULT_CPU_PERIOD;
    private Long pidsLimit;
    private String cgroupsPath;
    private final Map<String, long[]> rlimits = new LinkedHashMap<>();
    private List<String> capabilities = DOCKER_DEFAULT_CAPABILITIES;
    private OciSpec.Hook loopbackUpHook;
    private final Map<String, String> annotations = new LinkedHashMap<>();

    public RuntimeSpecBuilder args(List<String> args) {
        this.args = List.copyOf(args);
        return this;
    }

    public RuntimeSpecBuilder env(List<String> env) {
        this.env = List.copyOf(env);
        return this;
    }

    public RuntimeSpecBuilder cwd(String cwd) {
        if (!cwd.startsWith("/")) {
            throw new IllegalArgumentException("working directory must be absolute, got '" + cwd + "'");
        }
        this.cwd = cwd;
        return this;
    }

    public RuntimeSpecBuilder user(long uid, long gid, List<Long> additionalGids) {
        this.uid = uid;
        this.gid = gid;
        this.additionalGids = List.copyOf(additionalGids);
        return this;
    }

    public RuntimeSpecBuilder hostname(String hostname) {
        this.hostname = hostname;
        return this;
    }

    public RuntimeSpecBuilder network(Network network) {
        this.network = Objects.requireNonNull(network);
        return this;
    }

    public RuntimeSpecBuilder rootfs(Path rootfs, boolean readonly) {
        this.rootfs = rootfs;
        this.readonlyRootfs = readonly;
        return this;
    }

    /** A bind mount of a host file or directory (generated /etc files, volumes). */
    public RuntimeSpecBuilder bind(Path source, String destination, boolean readonly) {
        List<String> opts = new ArrayList<>(List.of("rbind", "rprivate"));
        if (readonly) {
            opts.add("ro");
        }
        extraMounts.add(new Mount(destination, "bind", source.toString(), opts));
        return this;
    }

    public RuntimeSpecBuilder mount(Mount mount) {
        extraMounts.add(mount);
        return this;
    }

    /** Memory limit in bytes; swap is set to the same value so the container cannot swap. */
    public RuntimeSpecBuilder memoryLimit(long bytes) {
        if (bytes < 4 * 1024 * 1024) {
            throw new IllegalArgumentException("memory limit " + bytes + " bytes is below the 4 MiB runc accepts");
        }
        this.memoryBytes = bytes;
        return this;
    }

    /**
     * CPU from millicores (1000 = one core): relative shares (1024 per core, as Kubernetes maps
     * requests) and, when {@code hardLimit}, a CFS quota of millicores/1000 of each period (as
     * {@code docker run --cpus}).
     */
    public RuntimeSpecBuilder cpuMillicores(long millicores, boolean hardLimit) {
        if (millicores <= 0) {
            throw new IllegalArgumentException("cpu millicores must be positive, got " + millicores);
        }
        this.cpuShares = Math.max(MIN_CPU_SHARES, millicores * 1024 / 1000);
        this.cpuQuota = hardLimit ? Math.max(1000, millicores * cpuPeriod / 1000) : null;
        return this;
    }

    public RuntimeSpecBuilder pidsLimit(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("pids limit must be positive, got " + limit);
        }
        this.pidsLimit = limit;
        return this;
    }

    public RuntimeSpecBuilder cgroupsPath(String path) {
        this.cgroupsPath = path;
        return this;
    }

    /** One rlimit, e.g. ("RLIMIT_NOFILE", soft, hard); clamp with {@link HostLimits} first. */
    public RuntimeSpecBuilder rlimit(String type, long soft, long hard) {
        if (!type.startsWith("RLIMIT_")) {
            throw new IllegalArgumentException("rlimit type must look like RLIMIT_NOFILE, got '" + type + "'");
        }
        if (soft > hard) {
            throw new IllegalArgumentException(type + ": soft limit " + soft + " above hard limit " + hard);
        }
        rlimits.put(type, new long[] {soft, hard});
        return this;
    }

    public RuntimeSpecBuilder capabilities(List<String> caps) {
        this.capabilities = List.copyOf(caps);
        return this;
    }

    /**
     * In a new network namespace the loopback interface starts down; Docker and Podman bring it
     * up. OCI runtimes don't, so a createRuntime hook does it from the host side
     * ({@code nsenter --net=/proc/PID/ns/net ip link set lo up}); PID comes from the container
     * state the runtime writes to the hook's stdin, parsed with shell builtins only.
     */
    public RuntimeSpecBuilder loopbackUpHook(Path nsenter, Path ip) {
        String script = "read -r s; p=${s#*\\\"pid\\\":}; p=${p%%,*}; exec " + nsenter
                + " --net=/proc/$p/ns/net " + ip + " link set lo up";
        this.loopbackUpHook = new OciSpec.Hook("/bin/sh", List.of("sh", "-c", script), null, 10);
        return this;
    }

    /**
     * The same with the compiled shim: {@code gantry-shim loopback-up} reads the pid from the
     * state JSON, joins the network namespace with setns(2) and sets {@code lo} up with an ioctl --
     * one exec instead of sh, nsenter and ip.
     */
    public RuntimeSpecBuilder loopbackUpHook(Path gantryShim) {
        this.loopbackUpHook = new OciSpec.Hook(gantryShim.toString(), List.of("gantry-shim", "loopback-up"), null, 10);
        return this;
    }

    public RuntimeSpecBuilder annotation(String key, String value) {
        annotations.put(key, value);
        return this;
    }

    public OciSpec build() {
        if (args == null || args.isEmpty()) {
            throw new IllegalStateException("no command: neither the image nor the job gives one");
        }
        if (rootfs == null) {
            throw new IllegalStateException("no rootfs");
        }
        List<Rlimit> rl = new ArrayList<>();
        rlimits.forEach((type, v) -> rl.add(new Rlimit(type, v[1], v[0])));
        Capabilities caps = new Capabilities(capabilities, capabilities, List.of(), capabilities, List.of());
        OciSpec.Process process = new OciSpec.Process(false, new OciSpec.User(uid, gid, additionalGids),
                args, env, cwd, caps, rl, true, null);

        List<Namespace> namespaces = new ArrayList<>(List.of(
                new Namespace("pid", null), new Namespace("mount", null),
                new Namespace("ipc", null), new Namespace("uts", null)));
        if (network == Network.NONE) {
            namespaces.add(new Namespace("network", null));
        }

        OciSpec.Resources resources = new OciSpec.Resources(
                deviceRules(),
                memoryBytes == null ? null : new OciSpec.Memory(memoryBytes, memoryBytes),
                cpuShares == null ? null : new OciSpec.Cpu(cpuShares, cpuQuota, cpuQuota == null ? null : cpuPeriod),
                pidsLimit == null ? null : new OciSpec.Pids(pidsLimit));

        OciSpec.Linux linux = new OciSpec.Linux(resources, cgroupsPath, namespaces, defaultDevices(),
                MASKED_PATHS, READONLY_PATHS);

        OciSpec.Hooks hooks = null;
        if (network == Network.NONE && loopbackUpHook != null) {
            hooks = new OciSpec.Hooks(List.of(loopbackUpHook), List.of());
        }
        return new OciSpec(OciSpec.VERSION, process, new OciSpec.Root(rootfs.toString(), readonlyRootfs),
                hostname, mounts(), hooks, annotations.isEmpty() ? null : Map.copyOf(annotations), linux);
    }

    private List<Mount> mounts() {
        List<Mount> m = new ArrayList<>();
        m.add(new Mount("/proc", "proc", "proc", List.of("nosuid", "noexec", "nodev")));
        m.add(new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        m.add(new Mount("/dev/pts", "devpts", "devpts",
                List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")));
        m.add(new Mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")));
        m.add(new Mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")));
        m.add(new Mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")));
        m.addAll(extraMounts);
        return m;
    }

    /** The devices the runtime creates in the container's /dev tmpfs. */
    static List<Device> defaultDevices() {
        return List.of(
                new Device("/dev/null", "c", 1, 3, 0666, 0L, 0L),
                new Device("/dev/zero", "c", 1, 5, 0666, 0L, 0L),
                new Device("/dev/full", "c", 1, 7, 0666, 0L, 0L),
                new Device("/dev/random", "c", 1, 8, 0666, 0L, 0L),
                new Device("/dev/urandom", "c", 1, 9, 0666, 0L, 0L),
                new Device("/dev/tty", "c", 5, 0, 0666, 0L, 0L));
    }

    /** Docker's device cgroup: deny everything, allow mknod, the default devices, pts, ptmx, tun. */
    static List<DeviceRule> deviceRules() {
        return List.of(
                new DeviceRule(false, null, null, null, "rwm"),
                new DeviceRule(true, "c", null, null, "m"),
                new DeviceRule(true, "b", null, null, "m"),
                new DeviceRule(true, "c", 1L, 3L, "rwm"),
                new DeviceRule(true, "c", 1L, 5L, "rwm"),
                new DeviceRule(true, "c", 1L, 7L, "rwm"),
                new DeviceRule(true, "c", 1L, 8L, "rwm"),
                new DeviceRule(true, "c", 1L, 9L, "rwm"),
                new DeviceRule(true, "c", 5L, 0L, "rwm"),
                new DeviceRule(true, "c", 5L, 2L, "rwm"),
                new DeviceRule(true, "c", 136L, null, "rwm"),
                new DeviceRule(true, "c", 10L, 200L, "rwm"));
    }
}
