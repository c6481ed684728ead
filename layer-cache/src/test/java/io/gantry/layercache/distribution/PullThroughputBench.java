package io.gantry.layercache.distribution;

import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.layercache.testing.TestImages;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * A benchmark, not a test (the name keeps it out of the default surefire run): cold pull of an image with one ~100 MB random (incompressible) layer
 * from a local docker-registry into an empty content store, median of several runs, next to
 * {@code skopeo copy} of the same image to an OCI directory (download only). Prints numbers, asserts
 * nothing about time. Runs only when asked:
 *
 * <pre>
 * mvn -B -q -pl layer-cache -am test -Dtest=PullThroughputBench -Dsurefire.failIfNoSpecifiedTests=false \
 *     -Dgantry.bench=true [-Dgantry.bench.mb=100] [-Dgantry.bench.runs=5]
 * </pre>
 */
class PullThroughputBench {

    @TempDir
    Path dir;

    @Test
    void coldPullOfARandomLayer() throws Exception {
        Assumptions.assumeTrue(Boolean.getBoolean("gantry.bench"), "a benchmark: run with -Dgantry.bench=true");
        int megabytes = Integer.getInteger("gantry.bench.mb", 100);
        int runs = Integer.getInteger("gantry.bench.runs", 5);
        try (LocalRegistry registry = LocalRegistry.start(dir)) {
            ImageReference name = ImageReference.parse(registry.hostPort() + "/bench:1");
            ImageStore source = ImageStore.open(ContentStore.open(dir.resolve("source")));
            ImageBuilder.BuiltImage image = TestImages.random(source, name, megabytes * 1024 * 1024, 1,
                    ImageBuilder.Format.OCI);
            long bytes = image.manifest().value().layersSize();
            try (RegistryClient client = new RegistryClient(source, RegistryOptions.defaults().withPlainHttp(true))) {
                client.push(name, name, PushProgress.NONE);
            }

            List<Double> gantry = new ArrayList<>();
            for (int run = 0; run < runs + 1; run++) {
                Path target = dir.resolve("pull-" + run);
                long start = System.nanoTime();
                try (RegistryClient client = new RegistryClient(ImageStore.open(ContentStore.open(target)),
                        RegistryOptions.defaults().withPlainHttp(true))) {
                    client.pull(name, Platform.of("linux", "amd64"), PullProgress.NONE);
                }
                double seconds = (System.nanoTime() - start) / 1e9;
                if (run > 0) { // the first run warms up the JIT
                    gantry.add(seconds);
                }
                deleteTree(target);
            }
            List<Double> skopeo = new ArrayList<>();
            if (Files.isExecutable(Path.of("/usr/bin/skopeo"))) {
                for (int run = 0; run < runs; run++) {
                    Path target = dir.resolve("skopeo-" + run);
                    long start = System.nanoTime();
                    Process p = new ProcessBuilder("skopeo", "copy", "--src-tls-verify=false", "docker://" + name,
                            "oci:" + target + ":1").redirectErrorStream(true).redirectOutput(dir.resolve("skopeo.log").toFile()).start();
                    if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
                        throw new IOException("skopeo copy failed: " + Files.readString(dir.resolve("skopeo.log")));
                    }
                    skopeo.add((System.nanoTime() - start) / 1e9);
                    deleteTree(target);
                }
            }
            double mb = bytes / 1e6;
            System.out.printf(Locale.ROOT, "%n[bench] cold pull of one %.1f MB random layer from a local docker-registry, %d runs%n",
                    mb, runs);
            System.out.printf(Locale.ROOT, "[bench] gantry pull : median %.3f s  (%.0f MB/s)  runs %s%n",
                    median(gantry), mb / median(gantry), format(gantry));
            if (!skopeo.isEmpty()) {
                System.out.printf(Locale.ROOT, "[bench] skopeo copy : median %.3f s  (%.0f MB/s)  runs %s%n",
                        median(skopeo), mb / median(skopeo), format(skopeo));
            }
        }
    }

    private static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        return sorted.get(sorted.size() / 2);
    }

    private static String format(List<Double> values) {
        return values.stream().map(v -> String.format(Locale.ROOT, "%.3f", v)).toList().toString();
    }

    private static void deleteTree(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (var paths = Files.walk(root)) {
            for (Path p : paths.sorted(Collections.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
