package io.gantry.layercache.image;

import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.content.ContentWriter;
import io.gantry.protocol.oci.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipParameters;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Writes a {@link LayerContent} as a tar (POSIX/PAX headers for long names, big numbers and
 * xattrs), optionally gzip-compressed, straight into the content store. One pass computes both
 * digests an image needs: the diff id (sha256 of the uncompressed tar, for the config's
 * {@code rootfs.diff_ids}) and the blob digest (of the bytes stored, for the manifest).
 *
 * <p>Output is reproducible: same content, same digests (gzip header without name or time,
 * tar entries in the given order with the given mtimes, whole seconds).
 */
public final class LayerWriter {

    /** A layer blob written to the store. */
    public record BuiltLayer(Digest digest, long size, Digest diffId, long uncompressedSize, boolean gzip) {
    }

    private final ContentStore store;
    private final int gzipLevel;

    /** {@code gzipLevel} 1 (fast) … 9 (small); -1 is zlib's default (6). */
    public LayerWriter(ContentStore store, int gzipLevel) {
        if (gzipLevel != -1 && (gzipLevel < 0 || gzipLevel > 9)) {
            throw new IllegalArgumentException("gzip level must be -1 or 0..9, got " + gzipLevel);
        }
        this.store = store;
        this.gzipLevel = gzipLevel;
    }

    public LayerWriter(ContentStore store) {
        this(store, -1);
    }

    /**
     * Writes the layer and commits it, adding its digest to {@code lease} (if not null) before it
     * becomes visible.
     */
    public BuiltLayer write(LayerContent content, boolean gzip, String lease) throws IOException {
        try (ContentWriter blob = store.writer()) {
            if (lease != null) {
                blob.leaseOnCommit(lease);
            }
            HashingOutputStream tarBytes;
            OutputStream compressed = null;
            if (gzip) {
                GzipParameters parameters = new GzipParameters();
                parameters.setCompressionLevel(gzipLevel);
                parameters.setModificationTime(0);
                parameters.setOperatingSystem(3); // unix, as Go's gzip writer and GNU gzip
                compressed = new GzipCompressorOutputStream(new NonClosing(blob), parameters);
                tarBytes = new HashingOutputStream(compressed);
            } else {
                tarBytes = new HashingOutputStream(new NonClosing(blob));
            }
            writeTar(content, tarBytes);
            if (compressed != null) {
                compressed.close(); // writes the gzip trailer; NonClosing keeps the ingest open
            }
            BlobInfo info = blob.commit();
            return new BuiltLayer(info.digest(), info.size(), tarBytes.digest(), tarBytes.count(), gzip);
        }
    }

    /** Writes the uncompressed tar of {@code content} to {@code out} (which is finished, not closed). */
    public static void writeTar(LayerContent content, OutputStream out) throws IOException {
        TarArchiveOutputStream tar = new TarArchiveOutputStream(new NonClosing(out), "UTF-8");
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
        byte[] buffer = new byte[128 * 1024];
        for (LayerEntry entry : content.entries()) {
            TarArchiveEntry header = header(entry);
            long size = 0;
            if (entry.type() == LayerEntry.Type.FILE) {
                size = entry.content() != null ? entry.content().length : Files.size(entry.source());
                header.setSize(size);
            }
            tar.putArchiveEntry(header);
            if (entry.type() == LayerEntry.Type.FILE) {
                if (entry.content() != null) {
                    tar.write(entry.content());
                } else {
                    copyExactly(entry, size, tar, buffer);
                }
            }
            tar.closeArchiveEntry();
        }
        tar.finish();
        tar.close();
    }

    private static void copyExactly(LayerEntry entry, long size, OutputStream tar, byte[] buffer) throws IOException {
        try (InputStream in = Files.newInputStream(entry.source())) {
            long left = size;
            while (left > 0) {
                int n = in.read(buffer, 0, (int) Math.min(buffer.length, left));
                if (n < 0) {
                    throw new IOException("layer entry " + entry.path() + ": " + entry.source() + " shrank while being read");
                }
                tar.write(buffer, 0, n);
                left -= n;
            }
            if (in.read() >= 0) {
                throw new IOException("layer entry " + entry.path() + ": " + entry.source() + " grew while being read");
            }
        }
    }

    private static TarArchiveEntry header(LayerEntry entry) {
        TarArchiveEntry header = switch (entry.type()) {
            case DIRECTORY -> new TarArchiveEntry(entry.tarName(), TarConstants.LF_DIR);
            case FILE -> new TarArchiveEntry(entry.tarName(), TarConstants.LF_NORMAL);
            case SYMLINK -> new TarArchiveEntry(entry.tarName(), TarConstants.LF_SYMLINK);
            case HARDLINK -> new TarArchiveEntry(entry.tarName(), TarConstants.LF_LINK);
            case CHAR_DEVICE -> new TarArchiveEntry(entry.tarName(), TarConstants.LF_CHR);
            case BLOCK_DEVICE -> new TarArchiveEntry(entry.tarName(), TarConstants.LF_BLK);
            case FIFO -> new TarArchiveEntry(entry.tarName(), TarConstants.LF_FIFO);
        };
        int typeBits = switch (entry.type()) {
            case DIRECTORY -> 0040000;
            case FILE, HARDLINK -> 0100000;
            case SYMLINK -> 0120000;
            case CHAR_DEVICE -> 0020000;
            case BLOCK_DEVICE -> 0060000;
            case FIFO -> 0010000;
        };
        header.setMode(typeBits | entry.mode());
        header.setUserId(entry.uid());
        header.setGroupId(entry.gid());
        header.setUserName("");
        header.setGroupName("");
        Instant mtime = entry.mtime();
        header.setModTime(FileTime.from(mtime.getEpochSecond(), TimeUnit.SECONDS));
        if (entry.linkTarget() != null) {
            header.setLinkName(entry.linkTarget());
        }
        if (entry.type() == LayerEntry.Type.CHAR_DEVICE || entry.type() == LayerEntry.Type.BLOCK_DEVICE) {
            header.setDevMajor(entry.devMajor());
            header.setDevMinor(entry.devMinor());
        }
        for (Map.Entry<String, String> xattr : entry.xattrs().entrySet()) {
            header.addPaxHeader("SCHILY.xattr." + xattr.getKey(), xattr.getValue());
        }
        return header;
    }

    /** Counts and hashes (sha256) what passes through: the diff id of the uncompressed tar. */
    static final class HashingOutputStream extends FilterOutputStream {
        private final MessageDigest sha256 = Digest.messageDigest("sha256");
        private long count;

        HashingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            sha256.update((byte) b);
            count++;
            out.write(b);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            sha256.update(b, off, len);
            count += len;
            out.write(b, off, len);
        }

        Digest digest() {
            return Digest.from("sha256", sha256);
        }

        long count() {
            return count;
        }
    }

    /** Lets a wrapping stream be closed (to write its trailer) without closing what is below. */
    static final class NonClosing extends FilterOutputStream {
        NonClosing(OutputStream out) {
            super(out);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
        }

        @Override
        public void close() throws IOException {
            out.flush();
        }
    }
}
