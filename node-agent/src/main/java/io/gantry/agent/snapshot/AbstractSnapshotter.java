package io.gantry.agent.snapshot;

import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.posix.Posix;
import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.function.Function;

/**
 * What both snapshotters share: the records, the parent/child rules and the on-disk layout
 * {@code <root>/metadata/}, {@code <root>/snapshots/<id>/{fs,work}}. A snapshot directory is
 * populated under {@code snapshots/.tmp-<id>} and renamed into place before its record is
 * written; a removal deletes the record first. So after a crash a directory without a record
 * may exist (collected at start), never a record without its directory.
 *
 * <p>Operations are serialised by this object's lock; the copy snapshotter's prepare copies
 * under it, which is acceptable for a fallback.
 */
abstract class AbstractSnapshotter implements Snapshotter {
    private static final SecureRandom RANDOM = new SecureRandom();

    protected final Path root;
    protected final Path snapshotsDir;
    protected final Function<Digest, Path> layerDirectories;
    protected final MetadataStore metadata;
    protected final Posix posix = Posix.get();

    /**
     * @param layerDirectories where the unpacked layer of a diff id lives (the LayerUnpacker's
     *                         {@code directory})
     */
    protected AbstractSnapshotter(Path root, Function<Digest, Path> layerDirectories) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        this.snapshotsDir = Files.createDirectories(this.root.resolve("snapshots"));
        this.layerDirectories = layerDirectories;
        this.metadata = new MetadataStore(this.root.resolve("metadata"));
        collectOrphans();
    }

    // ---- what differs between overlay and copy ----------------------------------------------

    /** Fills a new snapshot's directory (fs, work) from its parent's stack. */
    protected abstract void populate(Path snapshotDir, List<Path> parentStack, SnapshotInfo.Kind kind) throws IOException;

    protected abstract List<Mount> mountsOf(SnapshotRecord r, Path snapshotDir) throws IOException;

    /** The stack of the committed snapshot made from an active one. */
    protected abstract List<Path> committedStack(SnapshotRecord active, Path fs) throws IOException;

    protected abstract ChangeSet changesOf(SnapshotRecord active, Path fs) throws IOException;

    /** Called for each directory that becomes the top of a committed stack. */
    protected void registerLowerDir(Path dir) throws IOException {
    }

    /** Called after a snapshot that owned {@code dir} is gone. */
    protected void unregisterLowerDir(Path dir) throws IOException {
    }

    // ---- the interface ---------------------------------------------------------------------

    @Override
    public synchronized void importLayer(String name, String parent, Digest diffId, boolean durable) throws IOException {
        requireName(name);
        SnapshotRecord existing = metadata.get(name);
        if (existing != null) {
            if (existing.kind() == SnapshotInfo.Kind.COMMITTED && diffId.toString().equals(existing.layer())
                    && java.util.Objects.equals(parent, existing.parent())) {
                return;
            }
            throw SnapshotException.alreadyExists("snapshot '" + name + "'");
        }
        List<Path> parentStack = committedParent(parent).map(SnapshotRecord::stack).orElse(List.of());
        Path layer = layerDirectories.apply(diffId).toAbsolutePath().normalize();
        if (!Files.isDirectory(layer)) {
            throw SnapshotException.failedPrecondition("layer " + diffId + " is not unpacked (no " + layer + ")");
        }
        List<Path> stack = new ArrayList<>();
        stack.add(layer);
        stack.addAll(parentStack);
        registerLowerDir(layer);
        metadata.put(new SnapshotRecord(name, SnapshotInfo.Kind.COMMITTED, parent, null, Instant.now(),
                diffId.toString(), stack), durable);
    }

    @Override
    public List<Mount> prepare(String key, String parent) throws IOException {
        return create(key, parent, SnapshotInfo.Kind.ACTIVE);
    }

    @Override
    public List<Mount> view(String key, String parent) throws IOException {
        return create(key, parent, SnapshotInfo.Kind.VIEW);
    }

    private synchronized List<Mount> create(String key, String parent, SnapshotInfo.Kind kind) throws IOException {
        requireName(key);
        if (metadata.get(key) != null) {
            throw SnapshotException.alreadyExists("snapshot '" + key + "'");
        }
        List<Path> parentStack = committedParent(parent).map(SnapshotRecord::stack).orElse(List.of());
        String id = newId();
        Path tmp = snapshotsDir.resolve(".tmp-" + id);
        Files.createDirectory(tmp);
        try {
            Files.createDirectory(tmp.resolve("fs"));
            populate(tmp, parentStack, kind);
            Files.move(tmp, snapshotsDir.resolve(id), StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            FileTrees.deleteTree(tmp);
            throw e;
        }
        SnapshotRecord r = new SnapshotRecord(key, kind, parent, id, Instant.now(), null, parentStack);
        metadata.put(r);
        return mountsOf(r, snapshotsDir.resolve(id));
    }

    @Override
    public synchronized List<Mount> mounts(String key) throws IOException {
        SnapshotRecord r = require(key);
        if (r.kind() == SnapshotInfo.Kind.COMMITTED) {
            throw SnapshotException.failedPrecondition("snapshot '" + key + "' is committed: prepare or view it to mount it");
        }
        return mountsOf(r, snapshotsDir.resolve(r.id()));
    }

    @Override
    public synchronized void commit(String name, String key) throws IOException {
        requireName(name);
        SnapshotRecord r = require(key);
        if (r.kind() != SnapshotInfo.Kind.ACTIVE) {
            throw SnapshotException.failedPrecondition("snapshot '" + key + "' is " + r.kind().name().toLowerCase()
                    + ", only an active snapshot can be committed");
        }
        if (metadata.get(name) != null) {
            throw SnapshotException.alreadyExists("snapshot '" + name + "'");
        }
        Path fs = snapshotsDir.resolve(r.id()).resolve("fs");
        List<Path> mounted = MountTable.read().mountPointsUsing(fs);
        if (!mounted.isEmpty()) {
            throw SnapshotException.failedPrecondition("snapshot '" + key + "' is still mounted at " + mounted
                    + ": unmount it before commit");
        }
        List<Path> stack = committedStack(r, fs);
        registerLowerDir(fs);
        metadata.rename(key, new SnapshotRecord(name, SnapshotInfo.Kind.COMMITTED, r.parent(), r.id(), Instant.now(),
                null, stack));
    }

    @Override
    public synchronized boolean remove(String key) throws IOException {
        SnapshotRecord r = metadata.get(key);
        if (r == null) {
            return false;
        }
        if (metadata.hasChildren(key)) {
            throw SnapshotException.failedPrecondition("snapshot '" + key + "' has children: remove them first");
        }
        metadata.delete(key);
        if (r.id() != null) {
            Path dir = snapshotsDir.resolve(r.id());
            Path fs = dir.resolve("fs");
            for (Path mountPoint : MountTable.read().mountPointsUsing(fs)) {
                // Deleting an upper dir under a live overlay mount corrupts what the container sees.
                posix.umount2(mountPoint, Posix.MNT_DETACH);
            }
            Path doomed = snapshotsDir.resolve(".tmp-rm-" + r.id());
            Files.move(dir, doomed, StandardCopyOption.ATOMIC_MOVE);
            FileTrees.deleteTree(doomed);
            unregisterLowerDir(fs);
        }
        return true;
    }

    @Override
    public synchronized SnapshotInfo stat(String key) throws IOException {
        return require(key).info();
    }

    @Override
    public synchronized Usage usage(String key) throws IOException {
        SnapshotRecord r = require(key);
        Path what = r.id() != null ? snapshotsDir.resolve(r.id()).resolve("fs") : r.stack().get(0);
        long[] u = FileTrees.usage(what);
        return new Usage(u[0], u[1]);
    }

    @Override
    public synchronized List<SnapshotInfo> list() {
        List<SnapshotInfo> out = new ArrayList<>();
        for (SnapshotRecord r : metadata.all()) {
            out.add(r.info());
        }
        out.sort(Comparator.comparing(SnapshotInfo::name));
        return out;
    }

    @Override
    public synchronized ChangeSet changes(String key) throws IOException {
        SnapshotRecord r = require(key);
        if (r.kind() != SnapshotInfo.Kind.ACTIVE) {
            throw SnapshotException.failedPrecondition("snapshot '" + key + "' is " + r.kind().name().toLowerCase()
                    + ": only an active snapshot has a writable layer");
        }
        return changesOf(r, snapshotsDir.resolve(r.id()).resolve("fs"));
    }

    // ---- helpers ---------------------------------------------------------------------------

    private java.util.Optional<SnapshotRecord> committedParent(String parent) throws SnapshotException {
        if (parent == null || parent.isEmpty()) {
            return java.util.Optional.empty();
        }
        SnapshotRecord p = metadata.get(parent);
        if (p == null) {
            throw SnapshotException.notFound("parent snapshot '" + parent + "'");
        }
        if (p.kind() != SnapshotInfo.Kind.COMMITTED) {
            throw SnapshotException.failedPrecondition("parent snapshot '" + parent + "' is "
                    + p.kind().name().toLowerCase() + ", not committed");
        }
        for (Path dir : p.stack()) {
            if (!Files.isDirectory(dir)) {
                throw SnapshotException.failedPrecondition("parent snapshot '" + parent + "' lost its layer directory "
                        + dir + " (removed behind the snapshotter's back?)");
            }
        }
        return java.util.Optional.of(p);
    }

    private SnapshotRecord require(String key) throws SnapshotException {
        SnapshotRecord r = metadata.get(key);
        if (r == null) {
            throw SnapshotException.notFound("snapshot '" + key + "'");
        }
        return r;
    }

    private static void requireName(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("snapshot key or name must not be empty");
        }
    }

    private String newId() {
        while (true) {
            byte[] b = new byte[6];
            RANDOM.nextBytes(b);
            String id = HexFormat.of().formatHex(b);
            if (!Files.exists(snapshotsDir.resolve(id))) {
                return id;
            }
        }
    }

    /** Directories of crashed prepares/removals and of snapshots whose record never got written. */
    private void collectOrphans() throws IOException {
        java.util.Set<String> ids = new java.util.HashSet<>();
        for (SnapshotRecord r : metadata.all()) {
            if (r.id() != null) {
                ids.add(r.id());
            }
        }
        try (DirectoryStream<Path> s = Files.newDirectoryStream(snapshotsDir)) {
            for (Path p : s) {
                if (!ids.contains(p.getFileName().toString())) {
                    for (Path mountPoint : MountTable.read().mountPointsUsing(p.resolve("fs"))) {
                        posix.umount2(mountPoint, Posix.MNT_DETACH);
                    }
                    FileTrees.deleteTree(p);
                }
            }
        }
    }
}
