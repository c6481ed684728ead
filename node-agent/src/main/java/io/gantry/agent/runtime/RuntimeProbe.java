package io.gantry.agent.runtime;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.agent.logs.LogSink;
import io.gantry.agent.posix.FileTrees;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Finds out at agent start which OCI runtime works on this host, by running a trivial container
 * with each candidate through the same {@link OciCliRuntime} path real containers take (shim,
 * fifos, cgroups with a memory and pids limit, a new network namespace, the agent's shim). Nothing is assumed: a
 * runtime is usable only if {@code /bin/true} exited 0 inside it; every rejected candidate is
 * reported with the runtime's own error, e.g. crun's "cgroups in hybrid mode not supported" on a
 * hybrid cgroup host, where the private-mount-namespace wrapper (see
 * {@link OciRuntimeBinary#crunWithoutUnifiedMount}) is tried as a further candidate.
 *
 * <p>The throwaway container's rootfs is an empty directory with the host's {@code /usr},
 * {@code /bin}, {@code /lib*} bind-mounted read-only, so no image is needed.
 */
public final class RuntimeProbe {

    /** A runtime to try, with the label it is reported under. */
    public record Candidate(String label, OciRuntimeBinary binary) {
    }

    /** The outcome for one candidate. */
    public record Result(Candidate candidate, boolean works, String version, String reason, Duration took) {
        @Override
        public String toString() {
            return candidate.label() + ": " + (works ? "works (" + version + ", " + took.toMillis() + " ms)" : "rejected: " + reason);
        }
    }

    /** All results in preference order; {@code chosen} is the first that works. */
    public record Report(List<Result> results) {
        public Optional<Result> chosen() {
            return results.stream().filter(Result::works).findFirst();
        }

        public String summary() {
            StringBuilder sb = new StringBuilder();
            sb.append(chosen().map(r -> "using " + r.candidate().label()).orElse("no usable OCI runtime"));
            for (Result r : results) {
                sb.append("\n  ").append(r);
            }
            return sb.toString();
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path workDir;
    private final String cgroupParent;
    private final Shim shim;

    /**
     * @param workDir      scratch space under the agent's data dir (probe bundles and runtime roots)
     * @param cgroupParent the cgroup parent real containers use, so the probe exercises the same
     * @param shim         the shim real containers will use, so the probe exercises it too
     */
    public RuntimeProbe(Path workDir, String cgroupParent, Shim shim) {
        this.workDir = workDir.toAbsolutePath();
        this.cgroupParent = cgroupParent;
        this.shim = shim;
    }

    /**
     * The default candidates in preference order: runc (exact OOM reporting through
     * {@code run --keep}), crun, and crun without the unified cgroup mount when the host is hybrid.
     */
    public static List<Candidate> defaultCandidates() {
        List<Candidate> out = new ArrayList<>();
        OciRuntimeBinary.findOnPath("runc").ifPresent(p -> out.add(new Candidate("runc", OciRuntimeBinary.runc(p))));
        Optional<Path> crun = OciRuntimeBinary.findOnPath("crun");
        crun.ifPresent(p -> out.add(new Candidate("crun", OciRuntimeBinary.crun(p))));
        if (crun.isPresent() && OciRuntimeBinary.findOnPath("unshare").isPresent()
                && Files.isDirectory(Path.of("/sys/fs/cgroup/unified"))
                && CgroupLayout.detect().unified().map(u -> u.equals(Path.of("/sys/fs/cgroup/unified"))).orElse(false)) {
            out.add(new Candidate("crun (private mount namespace, no cgroup2 mount)",
                    OciRuntimeBinary.crunWithoutUnifiedMount(crun.get())));
        }
        return out;
    }

    public Report probe(List<Candidate> candidates) {
        List<Result> results = new ArrayList<>();
        for (int i = 0; i < candidates.size(); i++) {
            results.add(probeOne(candidates.get(i), i));
        }
        return new Report(List.copyOf(results));
    }

    private Result probeOne(Candidate c, int index) {
        long t0 = System.nanoTime();
        Path dir = workDir.resolve("probe-" + index);
        String id = "gantry-probe-" + index + "-" + Long.toHexString(System.nanoTime());
        OciCliRuntime runtime = null;
        String version = "";
        try {
            FileTrees.deleteTree(dir);
            Path bundle = writeProbeBundle(dir.resolve("bundle"), id);
            runtime = new OciCliRuntime(c.binary(), OciCliRuntime.Options.defaults(dir.resolve("root"), shim));
            version = runtime.capabilities().version();
            runtime.start(new StartRequest(id, bundle, LogSink.discarding()));
            ContainerExit exit = runtime.await(id).toCompletableFuture().get(30, TimeUnit.SECONDS);
            Duration took = Duration.ofNanos(System.nanoTime() - t0);
            if (exit.code() != 0) {
                return new Result(c, false, version, "/bin/true in a container ended with " + exit, took);
            }
            return new Result(c, true, version, "", took);
        } catch (ContainerRuntimeException e) {
            return new Result(c, false, version, e.getMessage(), Duration.ofNanos(System.nanoTime() - t0));
        } catch (IOException | RuntimeException | ExecutionException | TimeoutException e) {
            return new Result(c, false, version, e.toString(), Duration.ofNanos(System.nanoTime() - t0));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(c, false, version, "interrupted", Duration.ofNanos(System.nanoTime() - t0));
        } finally {
            if (runtime != null) {
                try {
                    runtime.destroy(id, true);
                } catch (RuntimeException ignored) {
                    // the probe's verdict stands; leftovers are swept with the directory
                }
                runtime.close();
            }
            try {
                FileTrees.deleteTree(dir);
            } catch (IOException ignored) {
                // scratch space
            }
        }
    }

    private Path writeProbeBundle(Path bundle, String id) throws IOException {
        Path rootfs = Files.createDirectories(bundle.resolve("rootfs"));
        ObjectNode spec = JSON.createObjectNode();
        spec.put("ociVersion", "1.0.2");
        ObjectNode process = spec.putObject("process");
        process.put("terminal", false);
        process.putObject("user").put("uid", 0).put("gid", 0);
        process.putArray("args").add("/bin/true");
        process.putArray("env").add("PATH=/usr/bin:/bin");
        process.put("cwd", "/");
        process.put("noNewPrivileges", true);
        spec.putObject("root").put("path", rootfs.toString()).put("readonly", true);
        spec.put("hostname", "probe");
        ArrayNode mounts = spec.putArray("mounts");
        mounts.addObject().put("destination", "/proc").put("type", "proc").put("source", "proc");
        mounts.addObject().put("destination", "/dev").put("type", "tmpfs").put("source", "tmpfs")
                .putArray("options").add("nosuid").add("mode=755").add("size=64k");
        for (String d : List.of("/usr", "/bin", "/sbin", "/lib", "/lib64", "/lib32")) {
            if (Files.exists(Path.of(d))) {
                mounts.addObject().put("destination", d).put("type", "bind").put("source", d)
                        .putArray("options").add("rbind").add("ro").add("rprivate");
            }
        }
        ObjectNode linux = spec.putObject("linux");
        linux.put("cgroupsPath", "/" + cgroupParent + "/" + id);
        ObjectNode res = linux.putObject("resources");
        res.putObject("memory").put("limit", 32L * 1024 * 1024);
        res.putObject("pids").put("limit", 16);
        ArrayNode ns = linux.putArray("namespaces");
        for (String n : List.of("pid", "mount", "ipc", "uts", "network")) {
            ns.addObject().put("type", n);
        }
        Files.write(bundle.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(spec));
        return bundle;
    }
}
