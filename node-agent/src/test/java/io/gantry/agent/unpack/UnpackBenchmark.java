package io.gantry.agent.unpack;

import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.testing.TestLayer;
import io.gantry.protocol.oci.Digest;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Unpack throughput, not a test: a ~100 MB random single-file gzip layer and a layer of many
 * small files, each unpacked cold several times; prints the median next to two references on
 * the same blob: gunzip + sha256 only (the floor for any unpacker) and GNU {@code tar -xzf}.
 *
 * <pre>
 * mvn -B -q -pl node-agent -am test-compile dependency:build-classpath -Dmdep.outputFile=/tmp/gantry-cp.txt
 * java -cp node-agent/target/classes:node-agent/target/test-classes:protocol/target/classes:$(cat /tmp/gantry-cp.txt) \
 *      io.gantry.agent.unpack.UnpackBenchmark [work-dir] [runs]
 * </pre>
 */
public final class UnpackBenchmark {
    public static void main(String[] args) throws Exception {
        Path work = Files.createDirectories(Path.of(args.length > 0 ? args[0] : "/var/tmp/gantry-unpack-bench"));
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 5;
        System.out.printf("unpack benchmark in %s, %d cold runs each, median reported%n", work, runs);

        Blob big = randomFileLayer(work.resolve("random-100m.tar.gz"), 100 << 20);
        Blob small = manySmallFilesLayer(work.resolve("small-files.tar.gz"), 20_000);
        for (Blob b : List.of(big, small)) {
            System.out.printf("%n%s: %.1f MB gzip, %.1f MB tar, %d entries%n", b.file.getFileName(),
                    b.compressed / 1e6, b.uncompressed / 1e6, b.entries);
            report("gunzip+sha256 only", b, runs, () -> gunzipAndHash(b));
            report("gantry unpack (no sync)", b, runs, () -> unpack(b, work, false));
            report("gantry unpack (syncfs)", b, runs, () -> unpack(b, work, true));
            report("GNU tar -xzf", b, runs, () -> gnuTar(b, work));
        }
    }

    record Blob(Path file, Digest diffId, long compressed, long uncompressed, long entries) {
    }

    /** One run; returns the nanoseconds of the measured part (cleanup excluded). */
    interface Run {
        long run() throws Exception;
    }

    static void report(String what, Blob b, int runs, Run run) throws Exception {
        run.run(); // warm-up (JIT), not counted
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            times.add(run.run());
        }
        times.sort(null);
        double s = times.get(times.size() / 2) / 1e9;
        System.out.printf("  %-26s %7.3f s   %7.1f MB/s uncompressed   %7.1f MB/s gzip   %9.0f entries/s%n",
                what, s, b.uncompressed / 1e6 / s, b.compressed / 1e6 / s, b.entries / s);
    }

    static long unpack(Blob b, Path work, boolean sync) throws IOException {
        Path layers = work.resolve("layers");
        FileTrees.deleteTree(layers);
        syncAll();
        long t0 = System.nanoTime();
        try (InputStream in = Files.newInputStream(b.file)) {
            UnpackResult r = new LayerUnpacker(layers, sync, LayerUnpacker.DEFAULT_BUFFER_SIZE).unpack(b.diffId, in);
            if (r.reused() || r.uncompressedBytes() != b.uncompressed) {
                throw new IllegalStateException("unexpected result " + r);
            }
        }
        long t = System.nanoTime() - t0;
        FileTrees.deleteTree(layers);
        return t;
    }

    /** Flushes what earlier runs left dirty, so that no run pays for the previous one's writeback. */
    static void syncAll() throws IOException {
        try {
            new ProcessBuilder("sync").inheritIO().start().waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    static long gunzipAndHash(Blob b) throws IOException {
        long t0 = System.nanoTime();
        MessageDigest md = Digest.messageDigest("sha256");
        byte[] buf = new byte[1 << 20];
        try (InputStream in = new GZIPInputStream(new BufferedInputStream(Files.newInputStream(b.file), 256 << 10), 256 << 10)) {
            for (int n; (n = in.read(buf)) > 0; ) {
                md.update(buf, 0, n);
            }
        }
        if (!Digest.from("sha256", md).equals(b.diffId)) {
            throw new IllegalStateException("digest mismatch");
        }
        return System.nanoTime() - t0;
    }

    static long gnuTar(Blob b, Path work) throws Exception {
        Path out = work.resolve("tar-out");
        FileTrees.deleteTree(out);
        Files.createDirectories(out);
        syncAll();
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder("tar", "-xzf", b.file.toString(), "-C", out.toString()).inheritIO().start();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("tar failed");
        }
        long t = System.nanoTime() - t0;
        FileTrees.deleteTree(out);
        return t;
    }

    static Blob randomFileLayer(Path file, int size) throws IOException {
        Random random = new Random(42);
        return write(file, tar -> {
            byte[] content = new byte[size];
            random.nextBytes(content);
            tar.file("data/random.bin", content, 0644);
        });
    }

    static Blob manySmallFilesLayer(Path file, int files) throws IOException {
        Random random = new Random(7);
        return write(file, tar -> {
            for (int d = 0; d < files / 100; d++) {
                tar.dir("usr/share/d" + d, 0755);
                for (int f = 0; f < 100; f++) {
                    byte[] content = new byte[256 + random.nextInt(8 * 1024)];
                    // text-like content compresses as real files do
                    for (int i = 0; i < content.length; i++) {
                        content[i] = (byte) ('a' + random.nextInt(16));
                    }
                    tar.file("usr/share/d" + d + "/f" + f + ".txt", content, 0644);
                }
            }
        });
    }

    interface Filler {
        void fill(TestLayer layer);
    }

    static Blob write(Path file, Filler filler) throws IOException {
        TestLayer layer = new TestLayer();
        filler.fill(layer);
        byte[] tar = layer.tar();
        long entries = 0;
        TarReader r = new TarReader(new java.io.ByteArrayInputStream(tar), null, 1 << 16);
        while (r.next() != null) {
            entries++;
        }
        MessageDigest md = Digest.messageDigest("sha256");
        try (OutputStream out = new GZIPOutputStream(new BufferedOutputStream(Files.newOutputStream(file)), 1 << 16) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        }; OutputStream digesting = new DigestOutputStream(OutputStream.nullOutputStream(), md)) {
            out.write(tar);
            digesting.write(tar);
        }
        return new Blob(file, Digest.from("sha256", md), Files.size(file), tar.length, entries);
    }
}
