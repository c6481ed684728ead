package io.gantry.layercache.content;

import io.gantry.layercache.DigestMismatchException;
import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Optional;

/**
 * One ingest: bytes written here are hashed on the way to a file under {@code ingest/} and become
 * a blob only through {@link #commit}, which checks the size and digest, fsyncs and renames the
 * file into {@code blobs/}. Until then nothing is visible to readers.
 *
 * <p>An ingest opened for an expected digest is kept under a reference derived from that digest.
 * Closing it without committing keeps the partial file, and the next writer for the same digest
 * continues where this one stopped (its {@link #offset()}; the hash state is recomputed from the
 * partial file). A writer holds an exclusive lock on its ingest, in this process and against other
 * processes, until it is closed.
 *
 * <p>Not thread-safe: one writer is used by one thread at a time.
 */
public final class ContentWriter extends OutputStream {

    private static final int BUFFER_SIZE = 256 * 1024;

    private final ContentStore store;
    private final String ref;
    private final Path file;
    private final Digest expected;
    private final long expectedSize;
    private final String algorithm;
    private final FileChannel channel;
    private final FileLock lock;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(BUFFER_SIZE);
    private final MessageDigest hash;
    private long offset;
    private boolean done;
    private String leaseOnCommit;

    ContentWriter(ContentStore store, String ref, Path file, Digest expected, long expectedSize,
                  FileChannel channel, FileLock lock) throws IOException {
        this.store = store;
        this.ref = ref;
        this.file = file;
        this.expected = expected;
        this.expectedSize = expectedSize;
        this.algorithm = expected == null ? "sha256" : expected.algorithm();
        this.channel = channel;
        this.lock = lock;
        this.hash = Digest.messageDigest(algorithm);
        resumeFromPartialFile();
    }

    /** Rebuilds the hash state from what an earlier writer left; a partial longer than the blob is junk. */
    private void resumeFromPartialFile() throws IOException {
        long existing = channel.size();
        if (existing == 0) {
            return;
        }
        if (expected == null || (expectedSize >= 0 && existing > expectedSize)) {
            channel.truncate(0);
            return;
        }
        ByteBuffer read = ByteBuffer.allocate(BUFFER_SIZE);
        long position = 0;
        while (position < existing) {
            read.clear();
            int n = channel.read(read, position);
            if (n < 0) {
                break;
            }
            hash.update(read.array(), 0, n);
            position += n;
        }
        offset = position;
        channel.position(position);
    }

    /** The ingest reference (stable for an expected digest, random otherwise). */
    public String ref() {
        return ref;
    }

    /** The digest this ingest must commit as, if it was opened for one. */
    public Optional<Digest> expected() {
        return Optional.ofNullable(expected);
    }

    /** The expected size in bytes, or -1 when unknown. */
    public long expectedSize() {
        return expectedSize;
    }

    /**
     * Adds the committed digest to lease {@code leaseName} before the blob becomes visible, so that
     * no gc can slip in between commit and lease. For content whose digest is known only at the end
     * (a layer being built); a known digest is better leased before writing.
     */
    public ContentWriter leaseOnCommit(String leaseName) {
        this.leaseOnCommit = leaseName;
        return this;
    }

    /**
     * The ingest file, for a reader that follows the bytes as they arrive (a layer unpacked while
     * it downloads). The file holds {@link #offset()} bytes minus what is still buffered
     * ({@link #flush()} writes that out); {@link #restart()} truncates it.
     */
    public Path path() {
        return file;
    }

    /** The digest of the bytes written so far, without disturbing the running hash. */
    public Digest digestSoFar() {
        try {
            return Digest.from(algorithm, (MessageDigest) hash.clone());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException(algorithm + " digests cannot be copied", e);
        }
    }

    /** How many bytes this ingest holds: where a resumed download continues. */
    public long offset() {
        return offset;
    }

    @Override
    public void write(int b) throws IOException {
        write(new byte[] {(byte) b}, 0, 1);
    }

    @Override
    public void write(byte[] bytes, int off, int len) throws IOException {
        ensureOpen();
        if (expectedSize >= 0 && offset + len > expectedSize) {
            long total = offset + len;
            abort();
            throw new DigestMismatchException("size mismatch for " + expected + ": expected " + expectedSize
                    + " bytes, got at least " + total);
        }
        hash.update(bytes, off, len);
        offset += len;
        while (len > 0) {
            int n = Math.min(len, buffer.remaining());
            buffer.put(bytes, off, n);
            off += n;
            len -= n;
            if (!buffer.hasRemaining()) {
                drain();
            }
        }
    }

    /** Writes the remaining bytes of {@code src} (consuming them), as they arrive from a network buffer. */
    public void write(ByteBuffer src) throws IOException {
        ensureOpen();
        int len = src.remaining();
        if (expectedSize >= 0 && offset + len > expectedSize) {
            long total = offset + len;
            abort();
            throw new DigestMismatchException("size mismatch for " + expected + ": expected " + expectedSize
                    + " bytes, got at least " + total);
        }
        hash.update(src.duplicate());
        offset += len;
        while (src.hasRemaining()) {
            if (!buffer.hasRemaining()) {
                drain();
            }
            int n = Math.min(buffer.remaining(), src.remaining());
            ByteBuffer part = src.slice();
            part.limit(n);
            buffer.put(part);
            src.position(src.position() + n);
        }
        if (!buffer.hasRemaining()) {
            drain();
        }
    }

    /**
     * Drops everything written so far and starts again at offset 0: for a source that was asked to
     * continue at {@link #offset()} but sends the whole blob (an HTTP 200 to a range request).
     */
    public void restart() throws IOException {
        ensureOpen();
        buffer.clear();
        channel.truncate(0);
        channel.position(0);
        hash.reset();
        offset = 0;
    }

    @Override
    public void flush() throws IOException {
        ensureOpen();
        drain();
    }

    /** Commits as the expected digest and size (an unkeyed ingest commits as whatever it hashed to). */
    public BlobInfo commit() throws IOException {
        return commit(expectedSize, expected);
    }

    /**
     * Verifies and commits. {@code size} may be -1 and {@code digest} null when the caller does not
     * know them; a known one that does not match deletes the ingest and throws
     * {@link DigestMismatchException} ("digest mismatch for sha256:…: got sha256:…").
     */
    public BlobInfo commit(long size, Digest digest) throws IOException {
        ensureOpen();
        drain();
        if (size >= 0 && offset != size) {
            long got = offset;
            abort();
            throw new DigestMismatchException("size mismatch for " + (digest != null ? digest : "blob")
                    + ": expected " + size + " bytes, got " + got);
        }
        if (digest != null && !digest.algorithm().equals(algorithm)) {
            abort();
            throw new DigestMismatchException("digest mismatch for " + digest + ": content was hashed with " + algorithm);
        }
        Digest actual = Digest.from(algorithm, hash);
        if (digest != null && !digest.equals(actual)) {
            abort();
            throw new DigestMismatchException("digest mismatch for " + digest + ": got " + actual);
        }
        channel.force(true);
        release();
        if (leaseOnCommit != null) {
            store.leases().add(leaseOnCommit, java.util.List.of(actual));
        }
        return store.commitIngest(file, actual, offset);
    }

    /** Deletes the partial content; idempotent. */
    public void abort() throws IOException {
        if (!done) {
            release();
        }
        Files.deleteIfExists(file);
    }

    /** Keeps what was written for a later writer of the same digest (an unkeyed ingest is deleted). */
    @Override
    public void close() throws IOException {
        if (done) {
            return;
        }
        try {
            drain();
        } finally {
            release();
            if (expected == null) {
                Files.deleteIfExists(file);
            }
        }
    }

    private void drain() throws IOException {
        buffer.flip();
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
        buffer.clear();
    }

    private void release() throws IOException {
        if (done) {
            return;
        }
        done = true;
        try {
            lock.release();
        } catch (IOException ignored) {
            // the channel is closed right below, which releases the lock anyway
        } finally {
            channel.close();
            store.ingestReleased(ref);
        }
    }

    private void ensureOpen() throws IOException {
        if (done) {
            throw new IOException("ingest " + ref + " is closed");
        }
    }
}
