package io.gantry.agent.bundle;

import io.gantry.agent.runtime.OciRuntimeBinary;
import io.gantry.agent.runtime.Shim;
import io.gantry.agent.runtime.Signals;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.Volume;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Writes a container's OCI bundle -- {@code config.json} plus the generated {@code hostname},
 * {@code hosts} and {@code resolv.conf} -- from its image config and job, with Docker's
 * semantics:
 * <ul>
 * <li>argv = {@link JobSpec#processArgs}: an entrypoint override drops the image's Cmd, a command
 *     override replaces Cmd, args are appended;</li>
 * <li>env = the image's Env, then the job's (a job value replaces the image's in place), with
 *     PATH defaulted when neither sets it, HOSTNAME, and HOME from the user's passwd entry;</li>
 * <li>working directory = job, else image, else "/", created in the rootfs if missing;</li>
 * <li>user = job, else image, resolved in the container's own /etc/passwd and /etc/group;</li>
 * <li>volumes: host binds (created if missing, like {@code docker run -v}), named volumes under
 *     {@code volumes/<name>}, and an anonymous volume for each of the image's {@code Volumes}
 *     the job does not cover; a new volume is seeded with what the image has at its target, as
 *     Docker does, and outlives the container's writable layer;</li>
 * <li>limits from the job's resources, rlimits clamped to the agent's own, a cgroup under
 *     {@code /<cgroupParent>/<container id>}.</li>
 * </ul>
 * The rootfs (the container's merged snapshot) is only read, except for creating a missing
 * working directory, which lands in the container's writable layer as in Docker.
 */
public final class BundleWriter {

    public static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    /** What Docker hands containers by default (dockerd's own limit under systemd). */
    public static final long DEFAULT_NOFILE = 1_048_576;

    private static final Pattern VOLUME_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");

    /** The cgroup of container {@code id} under {@code cgroupParent}, as its bundle names it. */
    public static String cgroupsPath(String cgroupParent, String id) {
        return "/" + cgroupParent + "/" + id;
    }

    /**
     * Node-level settings. {@code gantryShim}, when present, is the compiled shim, which brings a
     * network-none container's loopback up as its createRuntime hook; else {@code nsenter} and
     * {@code ip} do (both needed; without them loopback stays down).
     */
    public record Settings(
            Path volumesDir,
            String cgroupParent,
            HostLimits hostLimits,
            long nofile,
            Optional<Path> nsenter,
            Optional<Path> ip,
            Path hostHosts,
            Path hostResolvConf,
            String hostHostname,
            Optional<Path> gantryShim) {

        public static Settings defaults(Path dataDir) {
            String hostname;
            try {
                hostname = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            } catch (IOException e) {
                hostname = "localhost";
            }
            return new Settings(dataDir.resolve("volumes"), "gantry", HostLimits.current(), DEFAULT_NOFILE,
                    OciRuntimeBinary.findOnPath("nsenter"), OciRuntimeBinary.findOnPath("ip"),
                    Path.of("/etc/hosts"), Path.of("/etc/resolv.conf"), hostname, Optional.empty());
        }

        public Settings withCgroupParent(String parent) {
            return new Settings(volumesDir, parent, hostLimits, nofile, nsenter, ip, hostHosts, hostResolvConf, hostHostname, gantryShim);
        }

        /** The loopback hook of the agent's shim: the compiled one when it is that, else nsenter + ip. */
        public Settings withShim(Shim shim) {
            return new Settings(volumesDir, cgroupParent, hostLimits, nofile, nsenter, ip, hostHosts, hostResolvConf, hostHostname,
                    shim.binary());
        }
    }

    /** What the caller needs besides the files: the stop signal and the volumes in use. */
    public record WrittenBundle(Path dir, OciSpec spec, int stopSignal, List<Path> volumes) {
    }

    private final Settings settings;

    public BundleWriter(Settings settings) {
        this.settings = settings;
    }

    /**
     * @param containerId the container's id (cgroup name, default hostname, anonymous volume names)
     * @param rootfs      the container's merged root filesystem
     * @param bundleDir   where config.json and the generated /etc files go
     * @param hostname    explicit hostname, or null for Docker's default (first 12 characters of
     *                    the id; the host's name with host networking)
     */
    public WrittenBundle write(String containerId, ImageConfig image, JobSpec job, Path rootfs, Path bundleDir, String hostname) {
        String what = "container " + containerId + " (job " + job.id() + ", image " + job.image() + ")";
        try {
            return doWrite(containerId, image.config(), job, rootfs.toAbsolutePath(), bundleDir.toAbsolutePath(), hostname);
        } catch (BundleException e) {
            throw new BundleException(what + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new BundleException(what + ": " + e, e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new BundleException(what + ": " + e.getMessage(), e);
        }
    }

    private WrittenBundle doWrite(String id, ContainerConfig image, JobSpec job, Path rootfs, Path bundleDir, String hostname)
            throws IOException {
        if (!Files.isDirectory(rootfs)) {
            throw new BundleException("rootfs " + rootfs + " is not a directory");
        }
        RuntimeSpecBuilder.Network network = job.network() == NetworkMode.HOST
                ? RuntimeSpecBuilder.Network.HOST : RuntimeSpecBuilder.Network.NONE;
        if (hostname == null) {
            hostname = network == RuntimeSpecBuilder.Network.HOST ? settings.hostHostname()
                    : id.substring(0, Math.min(12, id.length()));
        }

        List<String> argv = job.processArgs(image.entrypoint(), image.cmd());
        if (argv.isEmpty()) {
            throw new BundleException("no command: the image has no Entrypoint or Cmd and the job gives none");
        }

        ContainerUser user = ContainerUser.resolve(job.user().orElse(image.user()), rootfs);

        String cwd = job.workingDir().orElse(image.workingDir() == null ? "/" : image.workingDir());
        if (cwd.isEmpty()) {
            cwd = "/";
        }
        if (!cwd.startsWith("/")) {
            throw new BundleException("working directory '" + cwd + "' is not absolute");
        }
        RootfsPaths.mkdirs(rootfs, cwd);

        int stopSignal = Signals.SIGTERM;
        if (image.stopSignal() != null) {
            try {
                stopSignal = Signals.parse(image.stopSignal());
            } catch (IllegalArgumentException e) {
                throw new BundleException("image StopSignal: " + e.getMessage());
            }
        }

        RuntimeSpecBuilder b = new RuntimeSpecBuilder()
                .args(argv)
                .env(environment(image.env(), job.env(), hostname, user.home()))
                .cwd(cwd)
                .user(user.uid(), user.gid(), user.additionalGids())
                .hostname(hostname)
                .network(network)
                .rootfs(rootfs, false)
                .cgroupsPath(cgroupsPath(settings.cgroupParent(), id));
        long[] nofile = settings.hostLimits().clamp("RLIMIT_NOFILE", settings.nofile(), settings.nofile());
        b.rlimit("RLIMIT_NOFILE", nofile[0], nofile[1]);
        if (job.resources().memoryBytes() > 0) {
            b.memoryLimit(job.resources().memoryBytes());
        }
        if (job.resources().cpuMillis() > 0) {
            b.cpuMillicores(job.resources().cpuMillis(), true);
        }
        job.resources().pids().ifPresent(b::pidsLimit);
        if (network == RuntimeSpecBuilder.Network.NONE) {
            if (settings.gantryShim().isPresent()) {
                b.loopbackUpHook(settings.gantryShim().get());
            } else if (settings.nsenter().isPresent() && settings.ip().isPresent()) {
                b.loopbackUpHook(settings.nsenter().get(), settings.ip().get());
            }
        }

        Files.createDirectories(bundleDir);
        String hostHosts = network == RuntimeSpecBuilder.Network.HOST ? readOrNull(settings.hostHosts()) : null;
        String hostResolv = network == RuntimeSpecBuilder.Network.HOST ? readOrNull(settings.hostResolvConf()) : null;
        List<Path> etc = EtcFiles.write(bundleDir, hostname,
                EtcFiles.hosts(network, hostname, hostHosts, Map.of()), EtcFiles.resolvConf(network, hostResolv));

        // Volumes, parents before children (a volume inside another must be mounted after it).
        Map<String, Mount> byTarget = new TreeMap<>(Comparator.comparingInt(BundleWriter::depth).thenComparing(t -> t));
        for (Volume v : job.volumes()) {
            String target = checkTarget(v.target());
            if (byTarget.containsKey(target)) {
                throw new BundleException("two volumes mount at " + target);
            }
            byTarget.put(target, switch (v.type()) {
                case BIND -> new Mount(hostBind(v.source()), v.readOnly());
                case VOLUME -> new Mount(namedVolume(v.source(), rootfs, target), v.readOnly());
            });
        }
        for (String target : image.volumes()) {
            String t = checkTarget(target);
            if (!byTarget.containsKey(t)) {
                String name = "anon-" + id + "-" + Digest.sha256(t.getBytes(StandardCharsets.UTF_8)).shortHex();
                byTarget.put(t, new Mount(namedVolume(name, rootfs, t), false));
            }
        }
        b.bind(etc.get(0), "/etc/hostname", false);
        b.bind(etc.get(1), "/etc/hosts", false);
        b.bind(etc.get(2), "/etc/resolv.conf", false);
        List<Path> volumes = new ArrayList<>();
        byTarget.forEach((target, m) -> {
            b.bind(m.source(), target, m.readOnly());
            volumes.add(m.source());
        });

        OciSpec spec = b.build();
        BundleFiles.writeConfig(bundleDir, spec);
        return new WrittenBundle(bundleDir, spec, stopSignal, List.copyOf(volumes));
    }

    private record Mount(Path source, boolean readOnly) {
    }

    /** Image Env, then job env (replacing in place), then PATH, HOSTNAME and HOME defaults. */
    static List<String> environment(List<String> imageEnv, Map<String, String> jobEnv, String hostname, String home) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : imageEnv) {
            int eq = e.indexOf('=');
            env.put(eq < 0 ? e : e.substring(0, eq), eq < 0 ? "" : e.substring(eq + 1));
        }
        new TreeMap<>(jobEnv).forEach((k, v) -> {
            if (k.isEmpty() || k.contains("=")) {
                throw new BundleException("bad environment variable name '" + k + "'");
            }
            env.put(k, v);
        });
        env.putIfAbsent("PATH", DEFAULT_PATH);
        env.putIfAbsent("HOSTNAME", hostname);
        env.putIfAbsent("HOME", home);
        List<String> out = new ArrayList<>(env.size());
        env.forEach((k, v) -> out.add(k + "=" + v));
        return out;
    }

    private static String checkTarget(String target) {
        if (!target.startsWith("/")) {
            throw new BundleException("volume target '" + target + "' is not absolute");
        }
        for (String part : target.split("/")) {
            if (part.equals("..")) {
                throw new BundleException("volume target '" + target + "' contains '..'");
            }
        }
        String t = target.replaceAll("/+", "/");
        return t.length() > 1 && t.endsWith("/") ? t.substring(0, t.length() - 1) : t;
    }

    private static int depth(String target) {
        return (int) target.chars().filter(c -> c == '/').count();
    }

    private static Path hostBind(String source) throws IOException {
        Path p = Path.of(source);
        if (!p.isAbsolute()) {
            throw new BundleException("bind volume source '" + source + "' is not an absolute host path");
        }
        if (!Files.exists(p)) {
            Files.createDirectories(p); // docker run -v creates a missing host directory
        }
        return p;
    }

    /** volumes/<name>, created (and seeded from the image's content at the target) if new. */
    private Path namedVolume(String name, Path rootfs, String target) throws IOException {
        if (!VOLUME_NAME.matcher(name).matches()) {
            throw new BundleException("volume name '" + name + "': letters, digits, '_', '.', '-' only, starting with a letter or digit");
        }
        Path dir = settings.volumesDir().resolve(name);
        if (Files.isDirectory(dir)) {
            return dir;
        }
        Files.createDirectories(settings.volumesDir());
        Path staging = settings.volumesDir().resolve("." + name + ".new");
        deleteTree(staging);
        Files.createDirectory(staging);
        Path seed = RootfsPaths.resolve(rootfs, target);
        if (Files.isDirectory(seed, LinkOption.NOFOLLOW_LINKS)) {
            copyTree(seed, staging);
        }
        Files.move(staging, dir, StandardCopyOption.ATOMIC_MOVE);
        return dir;
    }

    /** Copies a tree without following symlinks, keeping modes, owners and times. */
    static void copyTree(Path from, Path to) throws IOException {
        Files.walkFileTree(from, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(dir).toString());
                if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createDirectory(target);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Path target = to.resolve(from.relativize(file).toString());
                if (attrs.isRegularFile() || attrs.isSymbolicLink()) {
                    Files.copy(file, target, StandardCopyOption.COPY_ATTRIBUTES, LinkOption.NOFOLLOW_LINKS);
                    copyOwner(file, target);
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Path target = to.resolve(from.relativize(dir).toString());
                PosixFileAttributes a = Files.readAttributes(dir, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                PosixFileAttributeView view = Files.getFileAttributeView(target, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
                view.setPermissions(a.permissions());
                copyOwner(dir, target);
                view.setTimes(a.lastModifiedTime(), a.lastAccessTime(), null);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private static void copyOwner(Path from, Path to) throws IOException {
        PosixFileAttributes a = Files.readAttributes(from, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        PosixFileAttributeView view = Files.getFileAttributeView(to, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
        view.setOwner(a.owner());
        view.setGroup(a.group());
    }

    private static String readOrNull(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return null;
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try (var s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
