package io.gantry.layercache.image;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What one layer contains, in tar order: built by hand ({@link #builder()}) or read from a host
 * directory ({@link #fromDirectory}). A parent directory that was not declared is added (0755,
 * root-owned) before its first child, as {@code docker build} layers carry their parents.
 *
 * <pre>{@code
 * LayerContent.builder()
 *     .file("bin/busybox", Path.of("/bin/busybox"), 0755)
 *     .symlink("bin/sh", "busybox")
 *     .whiteout("etc/motd")          // .wh.motd: deletes etc/motd of a lower layer
 *     .opaque("var/cache")           // var/cache/.wh..wh..opq: hides the lower var/cache
 *     .build();
 * }</pre>
 */
public final class LayerContent {

    private final List<LayerEntry> entries;

    private LayerContent(List<LayerEntry> entries) {
        this.entries = List.copyOf(entries);
    }

    public List<LayerEntry> entries() {
        return entries;
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Reads a host directory as a layer: regular files (bytes read when the layer is written),
     * directories, symlinks, hardlinks (second and later names of one inode), fifos and device
     * nodes, with their modes, owners and mtimes. Files named {@code .wh.*} are whiteouts already
     * and are written as they are. Sockets cannot be carried in a tar and are skipped.
     */
    public static LayerContent fromDirectory(Path root) throws IOException {
        if (!Files.isDirectory(root, LinkOption.NOFOLLOW_LINKS)) {
            throw new IOException("layer directory " + root + " is not a directory");
        }
        Builder builder = builder();
        Map<String, String> firstNameOfInode = new HashMap<>();
        List<Path> paths = new ArrayList<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                paths.add(dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                paths.add(file);
                return FileVisitResult.CONTINUE;
            }
        });
        paths.sort(null);
        for (Path path : paths) {
            String name = root.relativize(path).toString().replace('\\', '/');
            if (name.isEmpty()) {
                continue;
            }
            Map<String, Object> a = Files.readAttributes(path, "unix:mode,uid,gid,ino,dev,nlink,rdev,lastModifiedTime",
                    LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            int perm = mode & 07777;
            long uid = ((Number) a.get("uid")).longValue();
            long gid = ((Number) a.get("gid")).longValue();
            Instant mtime = ((FileTime) a.get("lastModifiedTime")).toInstant();
            long rdev = ((Number) a.get("rdev")).longValue();
            LayerEntry entry = switch (mode & 0170000) {
                case 0040000 -> new LayerEntry(LayerEntry.Type.DIRECTORY, name, perm, uid, gid, mtime, null, null, null, 0, 0, null);
                case 0120000 -> new LayerEntry(LayerEntry.Type.SYMLINK, name, perm, uid, gid, mtime, null, null,
                        Files.readSymbolicLink(path).toString(), 0, 0, null);
                case 0100000 -> {
                    String inode = a.get("dev") + ":" + a.get("ino");
                    String first = ((Number) a.get("nlink")).intValue() > 1 ? firstNameOfInode.putIfAbsent(inode, name) : null;
                    yield first != null
                            ? new LayerEntry(LayerEntry.Type.HARDLINK, name, perm, uid, gid, mtime, null, null, first, 0, 0, null)
                            : new LayerEntry(LayerEntry.Type.FILE, name, perm, uid, gid, mtime, null, path, null, 0, 0, null);
                }
                case 0020000 -> new LayerEntry(LayerEntry.Type.CHAR_DEVICE, name, perm, uid, gid, mtime, null, null, null,
                        major(rdev), minor(rdev), null);
                case 0060000 -> new LayerEntry(LayerEntry.Type.BLOCK_DEVICE, name, perm, uid, gid, mtime, null, null, null,
                        major(rdev), minor(rdev), null);
                case 0010000 -> new LayerEntry(LayerEntry.Type.FIFO, name, perm, uid, gid, mtime, null, null, null, 0, 0, null);
                default -> null; // a socket
            };
            if (entry != null) {
                builder.entry(entry);
            }
        }
        return builder.build();
    }

    // Linux's encoding of dev_t (glibc gnu_dev_major / gnu_dev_minor)
    private static int major(long rdev) {
        return (int) (((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL));
    }

    private static int minor(long rdev) {
        return (int) ((rdev & 0xff) | ((rdev >>> 12) & ~0xffL));
    }

    /** Builds a layer entry by entry; defaults: root-owned, mtime 1970-01-01 (reproducible digests). */
    public static final class Builder {
        private final List<LayerEntry> entries = new ArrayList<>();
        private final Set<String> declared = new HashSet<>();
        private final Set<String> implicitParents = new HashSet<>();
        private long uid;
        private long gid;
        private Instant mtime = Instant.EPOCH;

        private Builder() {
        }

        /** Owner of the entries added after this call. */
        public Builder owner(long uid, long gid) {
            this.uid = uid;
            this.gid = gid;
            return this;
        }

        /** Modification time of the entries added after this call. */
        public Builder mtime(Instant mtime) {
            this.mtime = mtime;
            return this;
        }

        public Builder dir(String path) {
            return dir(path, 0755);
        }

        public Builder dir(String path, int mode) {
            return entry(new LayerEntry(LayerEntry.Type.DIRECTORY, path, mode, uid, gid, mtime, null, null, null, 0, 0, null));
        }

        public Builder file(String path, String text) {
            return file(path, text.getBytes(java.nio.charset.StandardCharsets.UTF_8), 0644);
        }

        public Builder file(String path, byte[] content, int mode) {
            return entry(new LayerEntry(LayerEntry.Type.FILE, path, mode, uid, gid, mtime, content.clone(), null, null, 0, 0, null));
        }

        /** A regular file whose bytes are read from {@code source} on the host when the layer is written. */
        public Builder file(String path, Path source, int mode) {
            return entry(new LayerEntry(LayerEntry.Type.FILE, path, mode, uid, gid, mtime, null, source, null, 0, 0, null));
        }

        public Builder symlink(String path, String target) {
            return entry(new LayerEntry(LayerEntry.Type.SYMLINK, path, 0777, uid, gid, mtime, null, null, target, 0, 0, null));
        }

        /** A second name for {@code target}, a regular file earlier in this layer. */
        public Builder hardlink(String path, String target) {
            return entry(new LayerEntry(LayerEntry.Type.HARDLINK, path, 0644, uid, gid, mtime, null, null, target, 0, 0, null));
        }

        public Builder fifo(String path, int mode) {
            return entry(new LayerEntry(LayerEntry.Type.FIFO, path, mode, uid, gid, mtime, null, null, null, 0, 0, null));
        }

        public Builder charDevice(String path, int mode, int major, int minor) {
            return entry(new LayerEntry(LayerEntry.Type.CHAR_DEVICE, path, mode, uid, gid, mtime, null, null, null, major, minor, null));
        }

        /** Deletes {@code path} of a lower layer: writes the empty file {@code .wh.NAME} beside it. */
        public Builder whiteout(String path) {
            String normal = LayerEntry.normalize(path);
            int slash = normal.lastIndexOf('/');
            String parent = slash < 0 ? "" : normal.substring(0, slash + 1);
            String name = normal.substring(slash + 1);
            if (name.isEmpty()) {
                throw new IllegalArgumentException("whiteout: the root cannot be deleted");
            }
            return entry(new LayerEntry(LayerEntry.Type.FILE, parent + LayerEntry.WHITEOUT_PREFIX + name, 0, 0, 0, mtime,
                    new byte[0], null, null, 0, 0, null));
        }

        /** Hides everything lower layers have in directory {@code dir} (the directory itself stays). */
        public Builder opaque(String dir) {
            String normal = LayerEntry.normalize(dir);
            if (!declared.contains(normal)) {
                dir(normal);
            }
            return entry(new LayerEntry(LayerEntry.Type.FILE, (normal.isEmpty() ? "" : normal + "/") + LayerEntry.OPAQUE_MARKER,
                    0, 0, 0, mtime, new byte[0], null, null, 0, 0, null));
        }

        public Builder entry(LayerEntry entry) {
            if (entry.type() == LayerEntry.Type.HARDLINK && !declared.contains(entry.linkTarget())) {
                throw new IllegalArgumentException("layer entry " + entry.path() + ": hardlink target "
                        + entry.linkTarget() + " must come earlier in the same layer");
            }
            addParents(entry.path());
            if (entry.type() == LayerEntry.Type.DIRECTORY && implicitParents.remove(entry.path())) {
                // declared after a child made it implicit: the declaration wins, in the parent's place
                for (int i = 0; i < entries.size(); i++) {
                    if (entries.get(i).path().equals(entry.path())) {
                        entries.set(i, entry);
                        return this;
                    }
                }
            }
            if (!declared.add(entry.path())) {
                throw new IllegalArgumentException("layer entry " + entry.path() + " is declared twice");
            }
            entries.add(entry);
            return this;
        }

        private void addParents(String path) {
            int slash = path.indexOf('/');
            while (slash > 0) {
                String parent = path.substring(0, slash);
                if (declared.add(parent)) {
                    implicitParents.add(parent);
                    entries.add(new LayerEntry(LayerEntry.Type.DIRECTORY, parent, 0755, 0, 0, mtime, null, null, null, 0, 0, null));
                }
                slash = path.indexOf('/', slash + 1);
            }
        }

        public LayerContent build() {
            return new LayerContent(entries);
        }
    }

    /** Entries as a stream, for tests and diagnostics. */
    public Stream<LayerEntry> stream() {
        return entries.stream();
    }
}
