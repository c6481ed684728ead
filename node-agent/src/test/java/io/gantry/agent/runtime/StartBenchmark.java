package io.gantry.agent.runtime;

import io.gantry.agent.bundle.BundleWriter;
import io.gantry.agent.logs.LogSink;
import io.gantry.agent.testing.StartBench;
import io.gantry.agent.testing.StartBench.Mode;
import io.gantry.protocol.job.JobSpec;
import io.gantry.protocol.job.NetworkMode;
import io.gantry.protocol.job.Resources;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.Platform;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static io.gantry.agent.posix.FileTrees.deleteTree;
import static io.gantry.agent.testing.StartBench.check;
import static io.gantry.agent.testing.StartBench.quiet;
import static io.gantry.agent.testing.StartBench.status;

/**
 * Warm start of {@code /bin/true} (rootfs and bundle prepared, nothing to pull or unpack), from
 * "start" to "exit observed", median and p95 over N runs, side by side in one process:
 * <ul>
 * <li>gantry/runc: {@link OciCliRuntime#start} + {@link OciCliRuntime#await} (shim, fifos, log
 *     pumps, OOM read, all included), under the compiled gantry-shim with its loopback hook, and
 *     under the shell shim with the sh + nsenter + ip hook (the fallback, and what ran before);</li>
 * <li>runc run: the bare CLI on the same config.json (with either hook), as hyperfine would run it;</li>
 * <li>runc create+start+delete: the detached alternative, polling {@code runc state};</li>
 * <li>gantry/crun and crun run, through the private-mount-namespace wrapper (hybrid host);</li>
 * <li>podman run --rm --network none of an image made from the same rootfs, if podman is
 *     installed.</li>
 * </ul>
 * Modes run in rounds, each round in a new (seeded random) order, so that load from other processes
 * on the machine hits them alike and none always follows the same one (podman's cleanup outlives
 * its run, and is waited for). It
 * reports numbers, never pass/fail. Needs root, runc and /bin/busybox. Run it with
 * {@code node-agent/bench/start [RUNS]}.
 */
public final class StartBenchmark {

    public static void main(String[] args) throws Exception {
        int runs = args.length > 0 ? Integer.parseInt(args[0]) : 60;
        Path work = Path.of(args.length > 1 ? args[1] : "/var/tmp/gantry-start-bench").toAbsolutePath();
        int warmup = 5;
        Path runcPath = OciRuntimeBinary.findOnPath("runc").orElseThrow(() -> new IllegalStateException("runc not found"));
        Optional<Path> crunPath = OciRuntimeBinary.findOnPath("crun");
        Optional<Path> podman = OciRuntimeBinary.findOnPath("podman");

        deleteTree(work);
        Files.createDirectories(work);
        Path rootfs = BusyboxRootfs.create(work.resolve("rootfs"));
        Shim compiled = Shim.select("compiled", work.resolve("bin"));
        Shim sh = Shim.select("sh", work.resolve("bin"));
        BundleWriter writer = new BundleWriter(BundleWriter.Settings.defaults(work).withCgroupParent("gantry-bench").withShim(compiled));
        BundleWriter shWriter = new BundleWriter(BundleWriter.Settings.defaults(work).withCgroupParent("gantry-bench").withShim(sh));
        ImageConfig image = ImageConfig.of(Platform.of("linux", "amd64"),
                ContainerConfig.builder().env(List.of("PATH=/bin")).cmd(List.of("/bin/true")).build(), List.of());
        JobSpec job = JobSpec.builder("bench", "busybox").network(NetworkMode.NONE)
                .resources(new Resources(500, 64 * Resources.MIB)).build();

        // One prepared bundle per run and mode: same config, own cgroup path.
        List<String> modeKeys = new ArrayList<>(List.of("gantry-runc", "runc-run", "gantry-runc-sh", "runc-run-sh", "runc-create"));
        if (crunPath.isPresent()) {
            modeKeys.addAll(List.of("gantry-crun", "crun-run"));
        }
        Map<String, List<Path>> bundles = new LinkedHashMap<>();
        for (String key : modeKeys) {
            List<Path> list = new ArrayList<>();
            for (int i = 0; i < warmup + runs; i++) {
                String id = key + "-" + i;
                list.add((key.endsWith("-sh") ? shWriter : writer).write(id, image, job, rootfs, work.resolve("bundles").resolve(id), null).dir());
            }
            bundles.put(key, list);
        }

        List<Mode> modes = new ArrayList<>();
        modes.add(gantryMode("gantry/runc, compiled shim + hook", OciRuntimeBinary.runc(runcPath), compiled, work.resolve("g-runc"),
                "gantry-runc", bundles.get("gantry-runc")));
        modes.add(cliRunMode("runc run (bare, compiled hook)", List.of(runcPath.toString()), work.resolve("bare-runc"), "runc-run", bundles.get("runc-run")));
        modes.add(gantryMode("gantry/runc, sh shim + sh/nsenter/ip hook", OciRuntimeBinary.runc(runcPath), sh, work.resolve("g-runc-sh"),
                "gantry-runc-sh", bundles.get("gantry-runc-sh")));
        modes.add(cliRunMode("runc run (bare, sh/nsenter/ip hook)", List.of(runcPath.toString()), work.resolve("bare-runc-sh"),
                "runc-run-sh", bundles.get("runc-run-sh")));
        modes.add(createStartMode(runcPath, work.resolve("bare-runc-cs"), bundles.get("runc-create")));
        if (crunPath.isPresent()) {
            OciRuntimeBinary crun = OciRuntimeBinary.crunWithoutUnifiedMount(crunPath.get());
            modes.add(gantryMode("gantry/crun, compiled shim (private mntns)", crun, compiled, work.resolve("g-crun"), "gantry-crun",
                    bundles.get("gantry-crun")));
            modes.add(cliRunMode("crun run (bare, private mntns)", crun.command(), work.resolve("bare-crun"), "crun-run", bundles.get("crun-run")));
        }
        if (podman.isPresent()) {
            Mode p = StartBench.podman(podman.get(), rootfs, work, "localhost/gantry-bench-busybox:latest");
            if (p != null) {
                modes.add(p);
            }
        } else {
            System.out.println("podman: not installed, skipped");
        }

        Map<String, long[]> samples = StartBench.inRounds(modes, warmup, runs);
        System.out.printf(Locale.ROOT, "%nwarm start of /bin/true, start -> exit observed, %d runs each (after %d warm-up), rounds in shuffled order%n", runs, warmup);
        Map<String, Double> medians = StartBench.printTable(samples);
        double gantry = medians.get(modes.get(0).name());
        double runc = medians.get(modes.get(1).name());
        double gantrySh = medians.get(modes.get(2).name());
        double runcSh = medians.get(modes.get(3).name());
        System.out.printf(Locale.ROOT, "%ngantry/runc median - runc run median, same bundle (target: <= +15 ms):%n"
                + "  compiled shim + hook: %+.1f ms;  sh shim + sh hook: %+.1f ms;  compiled vs bare runc with the sh hook: %+.1f ms%n",
                gantry - runc, gantrySh - runcSh, gantry - runcSh);
        System.out.printf(Locale.ROOT, "  median of the per-round differences, compiled shim + hook: %+.1f ms%n",
                StartBench.pairedMedianMs(samples.get(modes.get(0).name()), samples.get(modes.get(1).name())));
        System.out.printf(Locale.ROOT, "compiled shim + hook vs sh shim + hook: %+.1f ms (gantry), %+.1f ms (bare runc, hook only)%n",
                gantry - gantrySh, runc - runcSh);
        medians.entrySet().stream().filter(e -> e.getKey().startsWith("podman")).findFirst().ifPresent(e ->
                System.out.printf(Locale.ROOT, "podman median / gantry/runc median = %.1fx (target: >= 3x)%n", e.getValue() / gantry));
        System.out.printf(Locale.ROOT, "benchmark JVM peak RSS (VmHWM): %s%n", status("VmHWM", Path.of("/proc/self/status")));
        System.out.printf(Locale.ROOT, "benchmark JVM: jdk.lang.Process.launchMechanism=%s%n",
                System.getProperty("jdk.lang.Process.launchMechanism", "(default: POSIX_SPAWN)"));
        residentCostPerContainer(runcPath, writer, compiled, image, job, rootfs, work);
        residentCostPerContainer(runcPath, shWriter, sh, image, job, rootfs, work);
        deleteTree(work.resolve("bundles"));
    }

    private static Mode gantryMode(String name, OciRuntimeBinary binary, Shim shim, Path root, String key, List<Path> bundles) {
        OciCliRuntime runtime = new OciCliRuntime(binary, OciCliRuntime.Options.defaults(root, shim));
        return new Mode() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long run(int i) throws Exception {
                String id = key + "-" + i;
                long t0 = System.nanoTime();
                runtime.start(new StartRequest(id, bundles.get(i), LogSink.discarding()));
                ContainerExit exit = runtime.await(id).toCompletableFuture().get(60, TimeUnit.SECONDS);
                long t = System.nanoTime() - t0;
                if (exit.code() != 0) {
                    throw new IllegalStateException(name + " run " + i + ": " + exit);
                }
                runtime.destroy(id, true);
                return t;
            }

            @Override
            public void close() {
                runtime.close();
            }
        };
    }

    private static Mode cliRunMode(String name, List<String> command, Path root, String key, List<Path> bundles) throws IOException {
        Files.createDirectories(root);
        return new Mode() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public long run(int i) throws Exception {
                List<String> cmd = new ArrayList<>(command);
                cmd.addAll(List.of("--root", root.toString(), "run", "--bundle", bundles.get(i).toString(), key + "-" + i));
                long t0 = System.nanoTime();
                int rc = quiet(cmd).waitFor();
                long t = System.nanoTime() - t0;
                check(rc, name + " run " + i);
                return t;
            }
        };
    }

    private static Mode createStartMode(Path runc, Path root, List<Path> bundles) throws IOException {
        Files.createDirectories(root);
        String r = runc.toString();
        return new Mode() {
            @Override
            public String name() {
                return "runc create+start, poll state, delete";
            }

            @Override
            public long run(int i) throws Exception {
                String id = "runc-create-" + i;
                long t0 = System.nanoTime();
                check(quiet(List.of(r, "--root", root.toString(), "create", "--bundle", bundles.get(i).toString(), id)).waitFor(), "create");
                check(quiet(List.of(r, "--root", root.toString(), "start", id)).waitFor(), "start");
                while (true) {
                    Process p = new ProcessBuilder(r, "--root", root.toString(), "state", id)
                            .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                    String out = new String(p.getInputStream().readAllBytes());
                    p.waitFor();
                    if (out.contains("\"stopped\"")) {
                        break;
                    }
                }
                check(quiet(List.of(r, "--root", root.toString(), "delete", id)).waitFor(), "delete");
                return System.nanoTime() - t0;
            }
        };
    }

    /**
     * What one running container costs besides itself: the shim (gantry-shim or dash) and the runtime's
     * foreground {@code run} process that waits for it, both alive as long as the container.
     */
    private static void residentCostPerContainer(Path runc, BundleWriter writer, Shim shim, ImageConfig image, JobSpec job, Path rootfs,
                                                 Path work) throws Exception {
        ImageConfig sleeper = ImageConfig.of(image.platform(), image.config().toBuilder().cmd(List.of("sleep", "30")).build(), List.of());
        String id = shim instanceof Shim.Compiled ? "rss-probe-compiled" : "rss-probe-sh";
        Path bundle = writer.write(id, sleeper, job, rootfs, work.resolve("bundles").resolve(id), null).dir();
        try (OciCliRuntime runtime = new OciCliRuntime(OciRuntimeBinary.runc(runc), OciCliRuntime.Options.defaults(work.resolve("g-rss"), shim))) {
            ContainerHandle h = runtime.start(new StartRequest(id, bundle, LogSink.discarding()));
            Thread.sleep(300);
            long shimPid = h.shimPid();
            String runcRss = ProcessHandle.of(shimPid).stream().flatMap(ProcessHandle::children)
                    .map(ph -> status("VmRSS", Path.of("/proc", Long.toString(ph.pid()), "status"))).findFirst().orElse("?");
            System.out.printf(Locale.ROOT, "per running container (%s shim): shim VmRSS %s, foreground runc run VmRSS %s%n",
                    shim instanceof Shim.Compiled ? "compiled" : "sh", status("VmRSS", Path.of("/proc", Long.toString(shimPid), "status")), runcRss);
            runtime.destroy(id, true);
        }
    }
}
