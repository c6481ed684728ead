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
 * same image (download only) and {@code podman pull} when podman is installed. Every tool runs
 * as its own process under {@code /usr/bin/time}, which gives its peak RSS; Gantry runs in a
 * child JVM with the launcher's default flags (ops/bin/gantry), each pull into an empty data
 * directory (cold content, warm page cache for the registry's files, as for the others).
 * Run with {@code node-agent/bench/pull}; see node-agent/README-bench.md.
 *
 * <pre>
 * node-agent/bench/pull [--runs 5] [--big-mb 200] [--small-mb 20] [--small 5]
 * </pre>
 */
public final class PullBenchmark {

    static final List<String> GANTRY_JVM = List.of("-Xms32m", "-Xmx256m", "-XX:+UseSerialGC", "-Xss512k",
            "-XX:MaxMetaspaceSize=128m", "-XX:ReservedCodeCacheSize=64m", "-XX:MaxDirectMemorySize=64m",
            "-XX:TieredStopAtLevel=1", "-XX:+ExitOnOutOfMemoryError");

    private PullBenchmark() {
    }

    record Run(double seconds, long peakKb) {
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
        Path work = Files.createTempDirectory("gantry-pull-bench-");
        try (LocalRegistry registry = LocalRegistry.start(work)) {
            ImageReference name = ImageReference.parse(registry.hostPort() + "/bench:1");
            long bytes = buildAndPush(work, name, bigMb, smalls, smallMb);
            System.out.printf(Locale.ROOT, "image %s: one %d MB + %d x %d MB random layers (gzip), %.1f MB to download; %d runs each%n",
                    name, bigMb, smalls, smallMb, bytes / 1e6, runs);

            List<String> tools = List.of(stringArg(args, "--tools", "gantry,skopeo,podman").split(","));
            List<Run> gantry = gantry(work, name, runs, extraJvm(args));
            List<Run> skopeo = !tools.contains("skopeo") ? List.of() : tool(work, "skopeo", runs, dir -> List.of("skopeo",
                    "copy", "--quiet", "--src-tls-verify=false", "docker://" + name, "oci:" + dir + ":bench"));
            // podman wants its runroot path under 50 characters
            List<Run> podman = !tools.contains("podman") || !Files.isExecutable(Path.of("/usr/bin/podman")) ? List.of()
                    : tool(work, "podman", runs, dir -> podman(dir, "pull", "--quiet", "--tls-verify=false", name.toString()));

            double mb = bytes / 1e6;
            System.out.println();
            System.out.println("tool                      median s   MB/s   runs (s)                          peak RSS");
            print("gantry pull + unpack", gantry, mb);
            if (!skopeo.isEmpty()) {
                print("skopeo copy (download)", skopeo, mb);
            }
            if (podman.isEmpty()) {
                System.out.println("podman pull               not run (not installed or not asked for)");
            } else {
                print("podman pull + unpack", podman, mb);
            }
            System.out.println();
            double g = median(gantry);
            if (!skopeo.isEmpty()) {
                System.out.printf(Locale.ROOT, "gantry / skopeo = %.2f (target <= 1.30)%n", g / median(skopeo));
            }
            if (!podman.isEmpty()) {
                System.out.printf(Locale.ROOT, "podman / gantry = %.2f (target >= 1.50)%n", median(podman) / g);
            }
        } finally {
            deleteTree(work);
        }
    }

    /** The child JVM: pulls {@code runs + 1} times into fresh data dirs, prints one line per pull. */
    private static void child(String[] args) throws Exception {
        ImageReference name = ImageReference.parse(args[1]);
        Path dir = Path.of(args[2]);
        ImageService.Options options = ImageService.Options.defaults().withRegistry(RegistryOptions.defaults()
                .withConcurrency(Integer.getInteger("gantry.bench.concurrency", RegistryOptions.defaults().concurrency())))
                .withSyncLayers(!Boolean.getBoolean("gantry.bench.nosync"));
        try (ImageService service = ImageService.open(dir, options)) {
            long start = System.nanoTime();
            PullResult result = service.pull(name, new ImageService.PullOptions(true, Platform.of("linux", "amd64")),
                    PullListener.NONE);
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf(Locale.ROOT, "pulled %s %d layers %.3f%n", result.digest(), result.layers().size(), seconds);
        }
    }

    /** podman with its own storage under {@code dir} (a short runroot: podman refuses long ones). */
    private static List<String> podman(Path dir, String... args) throws IOException {
        Path runroot = Files.createTempDirectory(Path.of("/tmp"), "gpb");
        List<String> cmd = new ArrayList<>(List.of("podman", "--root", dir.resolve("root").toString(), "--runroot",
                runroot.toString(), "--storage-driver", "overlay", "--runtime", "runc", "--cgroup-manager", "cgroupfs",
                "--events-backend", "none"));
        cmd.addAll(List.of(args));
        return cmd;
    }

    private static List<String> extraJvm(String[] args) {
        String extra = stringArg(args, "--gantry-jvm", "");
        return extra.isBlank() ? List.of() : List.of(extra.trim().split("\\s+"));
    }

    private static String stringArg(String[] args, String name, String fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return fallback;
    }

    private static List<Run> gantry(Path work, ImageReference name, int runs, List<String> extraJvm) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<Run> out = new ArrayList<>();
        for (int run = 0; run <= runs; run++) {
            Path dir = work.resolve("gantry-" + run);
            List<String> cmd = new ArrayList<>(List.of(java));
            cmd.addAll(GANTRY_JVM);
            cmd.addAll(extraJvm);
            cmd.addAll(List.of("-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", "-cp", cp,
                    PullBenchmark.class.getName(), "--child", name.toString(), dir.toString()));
            Run r = timed(work, "gantry", cmd, true);
            cleanGantry(dir);
            if (run == 0) {
                System.out.printf(Locale.ROOT, "gantry warm-up run (not counted): %.3f s%n", r.seconds());
            } else {
                out.add(r);
            }
        }
        return out;
    }

    interface Command {
        List<String> at(Path dir) throws IOException;
    }

    private static List<Run> tool(Path work, String label, int runs, Command command) throws Exception {
        List<Run> out = new ArrayList<>();
        for (int run = 0; run < runs; run++) {
            Path dir = Files.createDirectories(work.resolve(label + "-" + run));
            out.add(timed(work, label, command.at(dir), false));
            if (label.equals("podman")) {
                new ProcessBuilder(podman(dir, "system", "reset", "--force"))
                        .redirectErrorStream(true).redirectOutput(work.resolve("reset.log").toFile()).start()
                        .waitFor(120, TimeUnit.SECONDS);
            }
            deleteTree(dir);
        }
        return out;
    }

    /**
     * Runs a command under /usr/bin/time; the time is measured here (process start to exit), the
     * peak RSS comes from time's %M. For the Gantry child the pull's own time is taken instead
     * of the process's (JVM start is not a pull).
     */
    private static Run timed(Path work, String label, List<String> command, boolean gantryChild) throws Exception {
        Path log = work.resolve(label + ".log");
        Path rss = work.resolve(label + ".rss");
        List<String> cmd = new ArrayList<>(List.of("/usr/bin/time", "-f", "%M", "-o", rss.toString()));
        cmd.addAll(command);
        long start = System.nanoTime();
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            throw new IOException(label + " failed: " + String.join(" ", command) + "\n" + Files.readString(log));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (gantryChild) {
            String line = Files.readAllLines(log).stream().filter(l -> l.startsWith("pulled ")).findFirst()
                    .orElseThrow(() -> new IOException("gantry child printed no result: " + readQuietly(log)));
            seconds = Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
        long peak = Long.parseLong(Files.readString(rss).trim().lines().reduce((a, b) -> b).orElse("0"));
        return new Run(seconds, peak);
    }

    private static String readQuietly(Path p) {
        try {
            return Files.readString(p);
        } catch (IOException e) {
            return "";
        }
    }

    /** The Gantry data dir may hold the snapshotter's links and committed chains: plain files, no mounts. */
    private static void cleanGantry(Path dir) throws IOException {
        deleteTree(dir);
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
        System.out.printf(Locale.ROOT, "%-25s %8.3f %6.0f   %-33s %5d MiB%n", label, m, mb / m, all, peak / 1024);
    }

    private static double median(List<Run> runs) {
        List<Double> sorted = new ArrayList<>(runs.stream().map(Run::seconds).toList());
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static int intArg(String[] args, String name, int fallback) {
        for (int i = 0; i < args.length - 1; i++) {
            if (args[i].equals(name)) {
                return Integer.parseInt(args[i + 1]);
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
