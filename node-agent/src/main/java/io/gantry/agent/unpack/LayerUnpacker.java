package io.gantry.agent.unpack;

import io.gantry.agent.posix.Posix;
import io.gantry.protocol.oci.Digest;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * Unpacks layer blobs into {@code layers/<diff-id-hex>/}, once per diff id.
 *
 * <p>Lifecycle of one unpack: a private {@code layers/.tmp-<random>/} is created; the blob is
 * read as a stream (so it can be fed while it downloads), decompressed (gzip, zstd or none,
 * told from the content), hashed and extracted in one pass by {@link TarReader} and
 * {@link LayerExtractor}; the bytes after the end of the archive are hashed too, since the diff
 * id covers the whole uncompressed stream. Only when that digest equals the expected diff id is
 * the directory renamed into place with RENAME_NOREPLACE. Whatever fails before, the temporary
 * directory is deleted: a failed unpack leaves nothing visible. Two unpacks of the same diff id
 * may run at once: the first rename wins and the other one deletes its copy and reuses the
 * winner's.
 *
 * <p>Durability: with {@code sync} on, one syncfs(2) flushes the file system before the rename,
 * so a crash cannot leave a visible layer with empty files (an fsync per file would cost more
 * than the unpack itself on many-small-file layers). Leftover temporary directories of a
 * crashed agent are removed by {@link #removeTemporary()} at start.
 */
public final class LayerUnpacker {
    public static final int DEFAULT_BUFFER_SIZE = 1 << 20;
    private static final String TMP_PREFIX = ".tmp-";
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path layersRoot;
    private final Posix posix;
    private final boolean sync;
    private final int bufferSize;
    private final boolean privileged;

    public LayerUnpacker(Path layersRoot) {
        this(layersRoot, true, DEFAULT_BUFFER_SIZE);
    }

    /**
     * @param sync       syncfs(2) before the rename into place (on in production)
     * @param bufferSize bytes read from the decompressed stream at once
     */
    public LayerUnpacker(Path layersRoot, boolean sync, int bufferSize) {
        this(layersRoot, sync, bufferSize, true);
    }

    /** {@code privileged=false} behaves as an unprivileged agent even as root (for tests). */
    LayerUnpacker(Path layersRoot, boolean sync, int bufferSize, boolean privileged) {
        this.layersRoot = layersRoot.toAbsolutePath().normalize();
        this.posix = Posix.get();
        this.sync = sync;
        this.bufferSize = bufferSize;
        this.privileged = privileged;
    }

    public Path layersRoot() {
        return layersRoot;
    }

    /** Where the layer with this diff id lives once unpacked. */
    public Path directory(Digest diffId) {
        return layersRoot.resolve(dirName(diffId));
    }

    static String dirName(Digest diffId) {
        return diffId.algorithm().equals("sha256") ? diffId.hex() : diffId.algorithm() + "-" + diffId.hex();
    }

    public boolean isUnpacked(Digest diffId) {
        return Files.isDirectory(directory(diffId));
    }

    /**
     * Unpacks {@code blob} (compressed or not) as the layer {@code diffId}. When the layer is
     * already unpacked the stream is not read at all: check {@link #isUnpacked} first when the
     * stream must be consumed regardless (a tee into the blob store, say).
     *
     * @throws DiffIdMismatchException     the content does not hash to {@code diffId}
     * @throws UnsafeLayerEntryException   an entry would reach outside the layer
     * @throws LayerFormatException        not a readable layer
     */
    public UnpackResult unpack(Digest diffId, InputStream blob) throws IOException {
        try (Prepared prepared = prepare(diffId, blob)) {
            return prepared.commit();
        }
    }

    /**
     * The first phase of {@link #unpack}: extracts and verifies {@code blob} into a private
     * temporary directory and stops before the rename, so that a caller who verifies something
     * else too (the blob's own digest, while the same bytes go into the content store) makes
     * the layer visible only when both checks passed: {@link Prepared#commit()} renames it into
     * place, {@link Prepared#close()} without a commit deletes it. When the layer is already
     * unpacked the stream is not read and {@code commit} reports it as reused.
     */
    public Prepared prepare(Digest diffId, InputStream blob) throws IOException {
        long start = System.nanoTime();
        Path target = directory(diffId);
        if (Files.isDirectory(target)) {
            return new Prepared(diffId, null, new UnpackResult(diffId, target, true, Compression.NONE, 0, 0, 0,
                    System.nanoTime() - start), start);
        }
        Files.createDirectories(layersRoot);
        Path tmp = layersRoot.resolve(TMP_PREFIX + randomHex());
        Files.createDirectory(tmp);
        boolean extracted = false;
        try {
            CountingInputStream counted = new CountingInputStream(blob);
            Compression.Decompressed d = Compression.open(new BufferedInputStream(counted, 256 * 1024));
            MessageDigest md = diffId.newMessageDigest();
            TarReader reader = new TarReader(d.stream(), md, bufferSize);
            LayerExtractor extractor = new LayerExtractor(tmp, diffId.toString(), posix, bufferSize, privileged);
            for (TarEntry e; (e = reader.next()) != null; ) {
                extractor.apply(e, reader);
            }
            reader.drain();
            Digest actual = Digest.from(diffId.algorithm(), md);
            if (!actual.equals(diffId)) {
                throw new DiffIdMismatchException(diffId, actual, reader.bytesRead());
            }
            extractor.finish();
            extracted = true;
            return new Prepared(diffId, tmp, new UnpackResult(diffId, target, false, d.compression(), counted.count,
                    reader.bytesRead(), extractor.entries(), 0), start);
        } finally {
            if (!extracted) {
                deleteQuietly(tmp);
            }
        }
    }

    /**
     * A verified layer in its temporary directory, not yet visible (see {@link #prepare}).
     * Single use: commit once or close.
     */
    public final class Prepared implements AutoCloseable {
        private final Digest diffId;
        private final Path tmp;
        private final UnpackResult result;
        private final long started;
        private boolean done;

        private Prepared(Digest diffId, Path tmp, UnpackResult result, long started) {
            this.diffId = diffId;
            this.tmp = tmp;
            this.result = result;
            this.started = started;
        }

        public Digest diffId() {
            return diffId;
        }

        /** What was extracted (the counters), before the rename. */
        public UnpackResult result() {
            return result;
        }

        /**
         * Makes the layer visible under its diff id (syncfs first when the unpacker syncs). Loses
         * gracefully to a concurrent unpack of the same diff id: its copy is deleted and the
         * result says reused.
         */
        public UnpackResult commit() throws IOException {
            if (done) {
                throw new IllegalStateException("layer " + diffId + " was already committed or discarded");
            }
            done = true;
            if (tmp == null) {
                return result;
            }
            boolean won = false;
            try {
                if (sync) {
                    int fd = posix.openDirectory(tmp);
                    try {
                        posix.syncfs(fd, tmp.toString());
                    } finally {
                        posix.close(fd);
                    }
                }
                won = posix.renameNoReplace(tmp, result.directory());
                return new UnpackResult(diffId, result.directory(), !won, result.compression(), result.compressedBytes(),
                        result.uncompressedBytes(), result.entries(), System.nanoTime() - started);
            } finally {
                if (!won) {
                    deleteQuietly(tmp);
                }
            }
        }

        /** Discards the extracted layer unless it was committed; idempotent. */
        @Override
        public void close() {
            if (!done) {
                done = true;
                if (tmp != null) {
                    deleteQuietly(tmp);
                }
            }
        }
    }

    /**
     * Deletes an unpacked layer: renamed to a temporary name first, so that a half-deleted
     * layer is never visible under its diff id. The caller makes sure no snapshot uses it.
     */
    public boolean remove(Digest diffId) throws IOException {
        Path target = directory(diffId);
        if (!Files.isDirectory(target)) {
            return false;
        }
        Path doomed = layersRoot.resolve(TMP_PREFIX + "rm-" + randomHex());
        Files.move(target, doomed, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        LayerExtractor.deleteTree(doomed);
        return true;
    }

    /** Removes temporary directories left by a crashed unpack or removal; returns how many. */
    public int removeTemporary() throws IOException {
        if (!Files.isDirectory(layersRoot)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> s = Files.newDirectoryStream(layersRoot, TMP_PREFIX + "*")) {
            for (Path p : s) {
                LayerExtractor.deleteTree(p);
                n++;
            }
        }
        return n;
    }

    /** The diff ids of the unpacked layers. */
    public List<Digest> list() throws IOException {
        List<Digest> out = new ArrayList<>();
        if (!Files.isDirectory(layersRoot)) {
            return out;
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(layersRoot)) {
            for (Path p : s) {
                String name = p.getFileName().toString();
                if (name.startsWith(".")) {
                    continue;
                }
                int dash = name.indexOf('-');
                try {
                    out.add(dash < 0 ? new Digest("sha256", name)
                            : new Digest(name.substring(0, dash), name.substring(dash + 1)));
                } catch (IllegalArgumentException ignored) {
                    // not a layer directory
                }
            }
        }
        out.sort(null);
        return out;
    }

    private static void deleteQuietly(Path tmp) {
        try {
            if (Files.exists(tmp, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                LayerExtractor.deleteTree(tmp);
            }
        } catch (IOException ignored) {
            // removeTemporary() at the next start collects it; the unpack's own error matters more
        }
    }

    private static String randomHex() {
        byte[] b = new byte[8];
        RANDOM.nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static final class CountingInputStream extends FilterInputStream {
        long count;

        CountingInputStream(InputStream in) {
            super(in);
        }

        @Override
        public int read() throws IOException {
            int b = super.read();
            if (b >= 0) {
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                count += n;
            }
            return n;
        }

        @Override
        public long skip(long n) throws IOException {
            long s = in.skip(n);
            count += s;
            return s;
        }
    }
}
