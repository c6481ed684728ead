package io.gantry.layercache.content;

import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.NotFoundException;
import io.gantry.protocol.oci.Digest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;

/**
 * The content-addressed blob store, after containerd's content store: every blob is a file named by
 * its digest, {@code ROOT/blobs/<algorithm>/<hex>}, and a blob exists only once its bytes have been
 * verified.
 *
 * <p>Lifecycle of a blob: a {@link ContentWriter} writes into {@code ROOT/ingest/}, hashing as it
 * goes; {@link ContentWriter#commit} checks size and digest, fsyncs and renames the file into
 * {@code blobs/} (read-only, mode 0444). A partial ingest for a known digest survives a failed
 * download and a crash and is continued by the next writer for that digest; ingests that cannot be
 * resumed (no expected digest) or have not been touched for {@code ingestExpiry} are deleted when
 * the store opens. {@link #fetch} adds single flight on top: concurrent fetches of one digest in
 * this process share one download.
 *
 * <p>Retention: {@link Leases} name what must be kept; {@link #gc(long, List)} deletes unleased
 * blobs (and {@link GcParticipant} entries) least recently used first until usage fits a byte
 * budget. A blob's last use is its file's mtime, bumped when it is read or fetched again (at most
 * once per {@code touchGranularity}, so hot blobs do not cost a syscall per read).
 *
 * <p>One process owns a data directory; writers additionally take a file lock on their ingest so
 * that a second process cannot interleave bytes into it.
 *
 * <p>{@link ContentListener}s hear of every blob that becomes visible or is deleted, whatever
 * path it took (pull, peer fetch, import, build; gc or delete).
 */
public final class ContentStore {

    /** Tunables; {@link #defaults()} suits an agent. The clock drives last-use times and ingest expiry. */
    public record Options(Clock clock, Duration ingestExpiry, Duration touchGranularity) {
        public static Options defaults() {
            return new Options(Clock.systemUTC(), Duration.ofHours(24), Duration.ofSeconds(10));
        }

        public Options withClock(Clock clock) {
            return new Options(clock, ingestExpiry, touchGranularity);
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(ContentStore.class);
    private static final String UNKEYED_PREFIX = "tmp-";

    private final Path root;
    private final Path blobs;
    private final Path ingest;
    private final Options options;
    private final Leases leases;
    private final Set<String> activeIngests = ConcurrentHashMap.newKeySet();
    private final ConcurrentHashMap<Digest, CompletableFuture<BlobInfo>> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Digest, Long> lastTouched = new ConcurrentHashMap<>();
    private final Object gcLock = new Object();
    private final List<ContentListener> listeners = new CopyOnWriteArrayList<>();

    private ContentStore(Path root, Options options) throws IOException {
        this.root = root.toAbsolutePath();
        this.options = options;
        this.blobs = Files.createDirectories(this.root.resolve("blobs"));
        this.ingest = Files.createDirectories(this.root.resolve("ingest"));
        this.leases = new Leases(this.root.resolve("leases"));
    }

    /** Opens (creating) a store under {@code root} and cleans up ingests a crash left behind. */
    public static ContentStore open(Path root) throws IOException {
        return open(root, Options.defaults());
    }

    public static ContentStore open(Path root, Options options) throws IOException {
        ContentStore store = new ContentStore(root, options);
        store.cleanupIngests();
        return store;
    }

    public Path root() {
        return root;
    }

    public Leases leases() {
        return leases;
    }

    /** From now on, {@code listener} hears of every blob committed or deleted. */
    public void addListener(ContentListener listener) {
        listeners.add(java.util.Objects.requireNonNull(listener, "listener"));
    }

    public void removeListener(ContentListener listener) {
        listeners.remove(listener);
    }

    private void tellListeners(Digest digest, java.util.function.Consumer<ContentListener> event) {
        for (ContentListener l : listeners) {
            try {
                event.accept(l);
            } catch (RuntimeException e) {
                LOG.warn("content listener {} failed on blob {}: {}", l, digest, e.toString());
            }
        }
    }

    // ---- reading ---------------------------------------------------------------------------

    public boolean exists(Digest digest) {
        return Files.isRegularFile(blobPath(digest));
    }

    /** The committed blob's size and last use, or {@link NotFoundException}. */
    public BlobInfo info(Digest digest) throws IOException {
        return find(digest).orElseThrow(() -> new NotFoundException("blob " + digest + " not found in the content store"));
    }

    public Optional<BlobInfo> find(Digest digest) throws IOException {
        try {
            BasicFileAttributes attrs = Files.readAttributes(blobPath(digest), BasicFileAttributes.class);
            return Optional.of(new BlobInfo(digest, attrs.size(), attrs.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    /** Reads a blob; counts as a use for gc. */
    public InputStream open(Digest digest) throws IOException {
        Path path = blobPath(digest);
        try {
            InputStream in = Files.newInputStream(path);
            touch(digest, path);
            return in;
        } catch (NoSuchFileException e) {
            throw new NotFoundException("blob " + digest + " not found in the content store");
        }
    }

    /** A positional channel on a blob, for range reads (peers serving {@code Range}); counts as a use. */
    public FileChannel openChannel(Digest digest) throws IOException {
        Path path = blobPath(digest);
        try {
            FileChannel channel = FileChannel.open(path, StandardOpenOption.READ);
            touch(digest, path);
            return channel;
        } catch (NoSuchFileException e) {
            throw new NotFoundException("blob " + digest + " not found in the content store");
        }
    }

    /** A whole small blob (manifest, config, index) in memory. */
    public byte[] readAll(Digest digest) throws IOException {
        try (InputStream in = open(digest)) {
            return in.readAllBytes();
        }
    }

    /**
     * Where a committed blob lives, for readers that want the file itself (an unpacker, zero-copy
     * serving). The file is read-only and may be deleted by gc unless leased.
     */
    public Path blobPath(Digest digest) {
        return blobs.resolve(digest.algorithm()).resolve(digest.hex());
    }

    /** Every committed blob, in digest order. */
    public List<BlobInfo> list() throws IOException {
        List<BlobInfo> all = new ArrayList<>();
        try (DirectoryStream<Path> algorithms = Files.newDirectoryStream(blobs, Files::isDirectory)) {
            for (Path algorithmDir : algorithms) {
                String algorithm = algorithmDir.getFileName().toString();
                try (DirectoryStream<Path> files = Files.newDirectoryStream(algorithmDir)) {
                    for (Path file : files) {
                        Digest digest;
                        try {
                            digest = new Digest(algorithm, file.getFileName().toString());
                        } catch (IllegalArgumentException notABlob) {
                            continue;
                        }
                        try {
                            BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
                            all.add(new BlobInfo(digest, attrs.size(), attrs.lastModifiedTime().toInstant()));
                        } catch (NoSuchFileException deletedMeanwhile) {
                            // gone between listing and stat
                        }
                    }
                }
            }
        }
        all.sort(Comparator.comparing(BlobInfo::digest));
        return all;
    }

    /** Bytes held by committed blobs. */
    public long usage() throws IOException {
        return list().stream().mapToLong(BlobInfo::size).sum();
    }

    // ---- writing ---------------------------------------------------------------------------

    /**
     * Opens the ingest for {@code expected} (resuming a partial one; see {@link ContentWriter}).
     * {@code expectedSize} may be -1 when unknown. Only one writer per digest at a time: a second
     * one fails with {@link FailedPreconditionException} (use {@link #fetch} to share a download).
     */
    public ContentWriter writer(Digest expected, long expectedSize) throws IOException {
        if (expected == null) {
            throw new IllegalArgumentException("writer: expected digest is null (use writer() for unknown content)");
        }
        return openIngest(expected.algorithm() + "-" + expected.hex(), expected, expectedSize);
    }

    /** An ingest for content whose digest is known only at the end (a layer being built); not resumable. */
    public ContentWriter writer() throws IOException {
        return openIngest(UNKEYED_PREFIX + UUID.randomUUID(), null, -1);
    }

    /** Writes a small document and commits it; returns its digest and size. */
    public BlobInfo write(byte[] content) throws IOException {
        Digest digest = Digest.sha256(content);
        Optional<BlobInfo> existing = find(digest);
        if (existing.isPresent()) {
            touch(digest, blobPath(digest));
            return existing.get();
        }
        return fetch(digest, content.length, writer -> {
            writer.restart();
            writer.write(content);
        });
    }

    /**
     * Makes sure {@code digest} is in the store, downloading it from {@code source} if not. Concurrent
     * calls for the same digest in this process share one download: the first caller runs the
     * source, the others wait for its outcome (success or the same error). An existing blob is
     * returned at once and counts as a use.
     */
    public BlobInfo fetch(Digest digest, long size, BlobSource source) throws IOException {
        Optional<BlobInfo> existing = find(digest);
        if (existing.isPresent()) {
            touch(digest, blobPath(digest));
            return existing.get();
        }
        CompletableFuture<BlobInfo> mine = new CompletableFuture<>();
        CompletableFuture<BlobInfo> running = inFlight.putIfAbsent(digest, mine);
        if (running != null) {
            return await(running);
        }
        try {
            BlobInfo info;
            Optional<BlobInfo> committedMeanwhile = find(digest);
            if (committedMeanwhile.isPresent()) {
                info = committedMeanwhile.get();
            } else {
                try (ContentWriter writer = writer(digest, size)) {
                    if (size < 0 || writer.offset() < size) {
                        source.writeTo(writer);
                    }
                    info = writer.commit();
                }
            }
            mine.complete(info);
            return info;
        } catch (Throwable t) {
            mine.completeExceptionally(t);
            throw t;
        } finally {
            inFlight.remove(digest, mine);
        }
    }

    private static BlobInfo await(CompletableFuture<BlobInfo> running) throws IOException {
        try {
            return running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for a shared download");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IOException(cause);
        }
    }

    private ContentWriter openIngest(String ref, Digest expected, long expectedSize) throws IOException {
        if (!activeIngests.add(ref)) {
            throw new FailedPreconditionException("ingest " + ref + " is locked by another writer in this process");
        }
        FileChannel channel = null;
        try {
            Path file = ingest.resolve(ref);
            channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
            FileLock lock = channel.tryLock();
            if (lock == null) {
                throw new FailedPreconditionException("ingest " + ref + " is locked by another process");
            }
            return new ContentWriter(this, ref, file, expected, expectedSize, channel, lock);
        } catch (IOException | RuntimeException e) {
            if (channel != null) {
                channel.close();
            }
            activeIngests.remove(ref);
            throw e;
        }
    }

    void ingestReleased(String ref) {
        activeIngests.remove(ref);
    }

    /** Called by a verified writer: rename into place (read-only) and make it durable. */
    BlobInfo commitIngest(Path ingestFile, Digest digest, long size) throws IOException {
        Path target = blobPath(digest);
        Path dir = Files.createDirectories(target.getParent());
        Instant now = options.clock().instant();
        if (Files.exists(target)) {
            Files.deleteIfExists(ingestFile); // committed meanwhile (another process): same bytes
            try {
                Files.setLastModifiedTime(target, FileTime.from(now));
            } catch (IOException advisory) {
                // last use only orders gc
            }
        } else {
            Files.setPosixFilePermissions(ingestFile, PosixFilePermissions.fromString("r--r--r--"));
            Files.setLastModifiedTime(ingestFile, FileTime.from(now));
            Files.move(ingestFile, target, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            AtomicFiles.syncDirectory(dir);
            lastTouched.put(digest, now.toEpochMilli());
            tellListeners(digest, l -> l.committed(digest, size));
            return new BlobInfo(digest, size, now);
        }
        lastTouched.put(digest, now.toEpochMilli());
        return new BlobInfo(digest, size, now);
    }

    /** Partial ingests, for status output and tests. */
    public List<IngestStatus> ingests() throws IOException {
        List<IngestStatus> all = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(ingest)) {
            for (Path file : files) {
                String ref = file.getFileName().toString();
                try {
                    BasicFileAttributes attrs = Files.readAttributes(file, BasicFileAttributes.class);
                    all.add(new IngestStatus(ref, digestOfRef(ref), attrs.size(), attrs.lastModifiedTime().toInstant()));
                } catch (NoSuchFileException gone) {
                    // committed or aborted meanwhile
                }
            }
        }
        all.sort(Comparator.comparing(IngestStatus::ref));
        return all;
    }

    /** The partial ingest for {@code digest}, if one is waiting to be resumed. */
    public Optional<IngestStatus> ingest(Digest digest) throws IOException {
        String ref = digest.algorithm() + "-" + digest.hex();
        try {
            BasicFileAttributes attrs = Files.readAttributes(ingest.resolve(ref), BasicFileAttributes.class);
            return Optional.of(new IngestStatus(ref, Optional.of(digest), attrs.size(), attrs.lastModifiedTime().toInstant()));
        } catch (NoSuchFileException e) {
            return Optional.empty();
        }
    }

    private static Optional<Digest> digestOfRef(String ref) {
        int dash = ref.indexOf('-');
        if (ref.startsWith(UNKEYED_PREFIX) || dash <= 0) {
            return Optional.empty();
        }
        try {
            return Optional.of(new Digest(ref.substring(0, dash), ref.substring(dash + 1)));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    /**
     * Deletes ingests nobody can finish: unkeyed ones (their digest was never known), ones whose
     * blob is already committed, ones older than {@code ingestExpiry}, and anything unrecognised.
     * Ingests locked by a live writer are left alone. Returns how many were removed.
     */
    public int cleanupIngests() throws IOException {
        Instant expiry = options.clock().instant().minus(options.ingestExpiry());
        int removed = 0;
        for (IngestStatus status : ingests()) {
            if (activeIngests.contains(status.ref())) {
                continue;
            }
            boolean stale = status.expected().isEmpty()
                    || exists(status.expected().get())
                    || status.updatedAt().isBefore(expiry);
            if (stale && deleteUnlessLocked(ingest.resolve(status.ref()))) {
                removed++;
            }
        }
        return removed;
    }

    private static boolean deleteUnlessLocked(Path file) throws IOException {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
            FileLock lock = channel.tryLock();
            if (lock == null) {
                return false;
            }
            Files.deleteIfExists(file);
            return true;
        } catch (NoSuchFileException e) {
            return false;
        }
    }

    // ---- removal ---------------------------------------------------------------------------

    /** Deletes a blob regardless of leases (gc is the lease-respecting path). */
    public boolean delete(Digest digest) throws IOException {
        lastTouched.remove(digest);
        boolean deleted = Files.deleteIfExists(blobPath(digest));
        if (deleted) {
            tellListeners(digest, l -> l.deleted(digest));
        }
        return deleted;
    }

    /** {@link #gc(long, List)} with no participants. */
    public GcReport gc(long byteBudget) throws IOException {
        return gc(byteBudget, List.of());
    }

    /**
     * Frees space until blobs plus participants' usage is at most {@code byteBudget}: candidates are
     * unleased blobs and the participants' candidates, removed least recently used first; leased
     * content and blobs being downloaded are never touched. One gc runs at a time.
     */
    public GcReport gc(long byteBudget, List<GcParticipant> participants) throws IOException {
        synchronized (gcLock) {
            long leaseVersion = leases.version();
            Set<Digest> leased = leases.leased();
            List<BlobInfo> blobList = list();
            long usage = blobList.stream().mapToLong(BlobInfo::size).sum();
            for (GcParticipant participant : participants) {
                usage += participant.usage();
            }
            long before = usage;
            List<GcReport.Removed> removed = new ArrayList<>();
            if (usage <= byteBudget) {
                return new GcReport(byteBudget, before, usage, removed, true);
            }
            record Entry(Instant lastUsed, String kind, String id, long size, Object handle) {
            }
            List<Entry> candidates = new ArrayList<>();
            for (BlobInfo blob : blobList) {
                if (!leased.contains(blob.digest()) && !inFlight.containsKey(blob.digest())) {
                    candidates.add(new Entry(blob.lastUsed(), "blob", blob.digest().toString(), blob.size(), blob.digest()));
                }
            }
            for (GcParticipant participant : participants) {
                for (GcParticipant.Candidate candidate : participant.candidates(leased)) {
                    candidates.add(new Entry(candidate.lastUsed(), participant.name(), candidate.id(), candidate.size(),
                            new Object[] {participant, candidate}));
                }
            }
            candidates.sort(Comparator.comparing(Entry::lastUsed).thenComparing(Entry::id));
            for (Entry entry : candidates) {
                if (usage <= byteBudget) {
                    break;
                }
                long freed;
                if (entry.handle() instanceof Digest digest) {
                    // a pull may have leased it since the candidates were chosen
                    if (leases.version() != leaseVersion) {
                        leaseVersion = leases.version();
                        leased = leases.leased();
                    }
                    if (leased.contains(digest) || inFlight.containsKey(digest)) {
                        continue;
                    }
                    freed = delete(digest) ? entry.size() : 0;
                } else {
                    Object[] pair = (Object[]) entry.handle();
                    freed = ((GcParticipant) pair[0]).remove((GcParticipant.Candidate) pair[1]);
                }
                if (freed > 0) {
                    usage -= freed;
                    removed.add(new GcReport.Removed(entry.kind(), entry.id(), freed));
                }
            }
            return new GcReport(byteBudget, before, usage, removed, usage <= byteBudget);
        }
    }

    // ---- last use --------------------------------------------------------------------------

    /** Records a use of a committed blob (LRU order for gc), for readers that open its file themselves. */
    public void touch(Digest digest) {
        touch(digest, blobPath(digest));
    }

    private void touch(Digest digest, Path path) {
        long now = options.clock().millis();
        Long last = lastTouched.get(digest);
        if (last != null && now - last < options.touchGranularity().toMillis() && now >= last) {
            return;
        }
        try {
            Files.setLastModifiedTime(path, FileTime.fromMillis(now));
            lastTouched.put(digest, now);
        } catch (NoSuchFileException e) {
            lastTouched.remove(digest);
        } catch (IOException e) {
            // last use is advisory (LRU order for gc); a read must not fail because of it
        }
    }
}
