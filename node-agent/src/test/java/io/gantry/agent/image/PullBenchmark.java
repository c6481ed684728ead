package io.gantry.agent.image;

import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.image.LayerContent;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark, not a test: cold pull + unpack of an image with a 200 MB random layer and five
 * 20 MB random layers (gzip, so every byte is inflated and hashed twice) from a local
 * docker-registry, median of several runs, next to {@code skopeo copy docker://… oci:DIR} of the
 * same image (download only) and {@code podman pull} when podman is installed.
 *
 * <p>Gantry runs as an agent does: one long-lived JVM (the launcher's default flags) pulling
 * into an empty data directory each time (cold content), its first pull counted apart (a fresh
 * JIT). skopeo and podman are one process per pull, as they are used. Every tool runs under
 * {@code /usr/bin/time} for its peak RSS; CPU time is per pull (Gantry: from /proc/self/stat
 * around each pull). Run with {@code node-agent/bench/pull}; see node-agent/README-bench.md.
 *
 * <pre>
 * node-agent/bench/pull [--runs 5] [--big-mb 200] [--small-mb 20] [--small 5] [--tools gantry,skopeo,podman]
 *                       [--gantry-jvm "-Dgantry.bench.nosync=true -Dgantry.bench.concurrency=6"]
 * </pre>
 */
public final class PullBenchmark {

    /** ops/bin/gantry's default JVM flags. */
    static final List<String> GANTRY_JVM = List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-Xss512k",
            "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxDirectMemorySize=64m",
            "-XX:+ExitOnOutOfMemoryError");

    private PullBenchmark() {
    }

    record Run(double seconds, long peakKb, double cpuSeconds) {
    }

    public static void main(String[] args) throws Exception {
        if (args.length > 0 && args[0].equals("--child")) {
            child(args);
            return;
        }
        int runs = intArg(args, "--runs", 5);
        int bigMb = intArg(args, "--big-mb", 200);
        int smallMb = intArg(args, "--small-mb", 20);
        int smalls = intArg(args, "--small", 5);
        List<String> tools = List.of(stringArg(args, "--tools", "gantry,skopeo,podman").split(","));
        Path work = Files.createTempDirectory("gantry-pull-bench-");
        try (LocalRegistry registry = LocalRegistry.start(work)) {
            ImageReference name = ImageReference.parse(registry.hostPort() + "/bench:1");
            long bytes = buildAndPush(work, name, bigMb, smalls, smallMb);
            System.out.printf(Locale.ROOT, "image %s: one %d MB + %d x %d MB random layers (gzip), %.1f MB to download; %d runs each%n",
                    name, bigMb, smalls, smallMb, bytes / 1e6, runs);

            List<Run> gantry = gantry(work, name, runs, extraJvm(args));
            List<Run> skopeo = !tools.contains("skopeo") ? List.of() : tool(work, "skopeo", runs, dir -> List.of("skopeo",
                    "copy", "--quiet", "--src-tls-verify=false", "docker://" + name, "oci:" + dir + ":bench"));
            boolean podmanThere = Files.isExecutable(Path.of("/usr/bin/podman"));
            List<Run> podman = !tools.contains("podman") || !podmanThere ? List.of()
                    : tool(work, "podman", runs, dir -> podman(dir, "pull", "--quiet", "--tls-verify=false", name.toString()));

            double mb = bytes / 1e6;
            System.out.println();
            System.out.println("tool                      median s   MB/s   runs (s)                               peak RSS   CPU s/pull");
            print("gantry pull + unpack", gantry, mb);
            if (!skopeo.isEmpty()) {
                print("skopeo copy (download)", skopeo, mb);
            }
            if (!podman.isEmpty()) {
                print("podman pull + unpack", podman, mb);
            } else {
                System.out.println("podman pull               " + (podmanThere ? "not asked for" : "not installed (apt-get install -y podman)"));
            }
            System.out.println();
            double g = median(gantry);
            if (!skopeo.isEmpty()) {
                System.out.printf(Locale.ROOT, "gantry / skopeo = %.2f (target <= 1.30)%n", g / median(skopeo));
            }
            if (!podman.isEmpty()) {
                System.out.printf(Locale.ROOT, "podman / gantry = %.2f (target >= 1.50)%n", median(podman) / g);
            }
            System.out.printf(Locale.ROOT, "load average at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
        } finally {
            deleteTree(work);
        }
    }

    /**
     * The child JVM, a stand-in for a running agent: pulls {@code n} times, each into an empty
     * data directory, and prints one line per pull with its wall time and CPU time.
     */
    private static void child(String[] args) throws Exception {
        ImageReference name = ImageReference.parse(args[1]);
        Path base = Path.of(args[2]);
        int pulls = Integer.parseInt(args[3]);
        ImageService.Options options = ImageService.Options.defaults().withRegistry(RegistryOptions.defaults()
                .withConcurrency(Integer.getInteger("gantry.bench.concurrency", RegistryOptions.defaults().concurrency())))
                .withSyncLayers(!Boolean.getBoolean("gantry.bench.nosync"));
        for (int i = 0; i < pulls; i++) {
            Path dir = base.resolve("pull-" + i);
            double cpuBefore = processCpuSeconds();
            long start = System.nanoTime();
            PullResult result;
            try (ImageService service = ImageService.open(dir, options)) {
                result = service.pull(name, new ImageService.PullOptions(true, Platform.of("linux", "amd64")),
                        PullListener.NONE);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpu = processCpuSeconds() - cpuBefore;
            System.out.printf(Locale.ROOT, "pulled %s %d layers %.3f %.3f%n", result.digest(), result.layers().size(),
                    seconds, cpu);
            System.out.flush();
            deleteTree(dir);
        }
    }

    /** utime + stime of this process, from /proc/self/stat (clock ticks of 1/100 s). */
    private static double processCpuSeconds() throws IOException {
        String stat = Files.readString(Path.of("/proc/self/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    }

    private static List<Run> gantry(Path work, ImageReference name, int runs, List<String> extraJvm) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Path dir = work.resolve("gantry");
        Path log = work.resolve("gantry.log");
        Path rss = work.resolve("gantry.rss");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "%M", "-o", rss.toString(), java));
        cmd.addAll(GANTRY_JVM);
        cmd.addAll(extraJvm);
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), PullBenchmark.class.getName(), "--child",
                name.toString(), dir.toString(), String.valueOf(runs + 1)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(1200, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException("gantry pulls failed:\n" + Files.readString(log));
        }
        long peak = Long.parseLong(Files.readString(rss).trim().lines().reduce((a, b) -> b).orElse("0"));
        List<String> lines = Files.readAllLines(log).stream().filter(l -> l.startsWith("pulled ")).toList();
        List<Run> out = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).split(" ");
            double seconds = Double.parseDouble(f[f.length - 2]);
            double cpu = Double.parseDouble(f[f.length - 1]);
            if (i == 0) {
                System.out.printf(Locale.ROOT, "gantry's first pull in a fresh agent JVM (JIT cold, not counted): %.3f s, %.2f CPU s%n",
                        seconds, cpu);
            } else {
                out.add(new Run(seconds, peak, cpu));
            }
        }
        deleteTree(dir);
        return out;
    }

    interface Command {
        List<String> at(Path dir) throws IOException;
    }

    private static List<Run> tool(Path work, String label, int runs, Command command) throws Exception {
        List<Run> out = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            Path dir = Files.createDirectories(work.resolve(label + "-" + run));
            out.add(timed(work, label, command.at(dir)));
            if (label.equals("podman")) {
                new ProcessBuilder(podman(dir, "system", "reset", "--force"))
                        .redirectErrorStream(true).redirectOutput(work.resolve("reset.log").toFile()).start()
                        .waitFor(120, TimeUnit.SECONDS);
            }
            deleteTree(dir);
        }
        return out;
    }

    /** podman with its own storage under {@code dir}; podman refuses a runroot path over 50 characters. */
    private static List<String> podman(Path dir, String... args) throws IOException {
        Path runroot = dir.resolve("runroot-link");
        if (!Files.exists(runroot)) {
            Path shortDir = Files.createTempDirectory(Path.of("/tmp"), "gpb");
            Files.createSymbolicLink(runroot, shortDir);
        }
        List<String> cmd = new ArrayList<>(List.of("podman", "--root", dir.resolve("root").toString(), "--runroot",
                runroot.toRealPath().toString(), "--storage-driver", "overlay", "--runtime", "runc",
                "--cgroup-manager", "cgroupfs", "--events-backend", "none"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    /** Runs one command under /usr/bin/time: wall time measured here, peak RSS and CPU from time. */
    private static Run timed(Path work, String label, List<String> command) throws Exception {
        Path log = work.resolve(label + ".log");
        Path stats = work.resolve(label + ".time");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "%M %U %S", "-o", stats.toString()));
        cmd.addAll(command);
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(label + " failed: " + String.join(" ", command) + "\n" + Files.readString(log));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        String[] f = Files.readString(stats).trim().lines().reduce((a, b) -> b).orElse("0 0 0").split(" ");
        return new Run(seconds, Long.parseLong(f[0]), Double.parseDouble(f[1]) + Double.parseDouble(f[2]));
    }

    private static long buildAndPush(Path work, ImageReference name, int bigMb, int smalls, int smallMb) throws IOException {
        ImageStore store = ImageStore.open(ContentStore.open(work.resolve("build")));
        ImageBuilder builder = ImageBuilder.create(store).platform(Platform.of("linux", "amd64"))
                .created(Instant.parse("2024-01-01T00:00:00Z")).gzipLevel(1);
        Random random = new Random(1);
        Path files = Files.createDirectories(work.resolve("random"));
        builder.layer(LayerContent.builder().file("big.bin", randomFile(files.resolve("big"), bigMb, random), 0644).build(),
                "COPY big.bin /");
        for (int i = 0; i < smalls; i++) {
            builder.layer(LayerContent.builder().file("small-" + i + ".bin",
                    randomFile(files.resolve("small-" + i), smallMb, random), 0644).build(), "COPY small-" + i + ".bin /");
        }
        ImageBuilder.BuiltImage image = builder.build(name);
        try (RegistryClient client = new RegistryClient(store, RegistryOptions.defaults().withPlainHttp(true))) {
            client.push(name, name, PushProgress.NONE);
        }
        deleteTree(files);
        deleteTree(work.resolve("build"));
        return image.manifest().value().layersSize();
    }

    private static Path randomFile(Path file, int mb, Random random) throws IOException {
        byte[] chunk = new byte[1 << 20];
        try (OutputStream out = Files.newOutputStream(file)) {
            for (int i = 0; i < mb; i++) {
                random.nextBytes(chunk);
                out.write(chunk);
            }
        }
        return file;
    }

    private static void print(String label, List<Run> runs, double mb) {
        double m = median(runs);
        long peak = runs.stream().mapToLong(Run::peakKb).max().orElse(0);
        String all = runs.stream().map(r -> String.format(Locale.ROOT, "%.2f", r.seconds())).toList().toString();
        List<Double> cpu = new ArrayList<>(runs.stream().map(Run::cpuSeconds).toList());
        Collections.sort(cpu);
        System.out.printf(Locale.ROOT, "%-25s %8.3f %6.0f   %-38s %5d MiB   %.2f%n", label, m, mb / m, all, peak / 1024,
                cpu.get(cpu.size() / 2));
    }

    private static double median(List<Run> runs) {
        List<Double> sorted = new ArrayList<>(runs.stream().map(Run::seconds).toList());
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static List<String> extraJvm(String[] args) {
        String extra = stringArg(args, "--gantry-jvm", "");
        return extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
    }

    private static int intArg(String[] args, String name, int fallback) {
        return Integer.parseInt(stringArg(args, name, String.valueOf(fallback)));
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        try {
            new ProcessBuilder("rm", "-rf", "--one-file-system", root.toString()).start().waitFor(120, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("could not delete " + root);
        }
    }
}
