package io.gantry.agent.snapshot;

import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.posix.Posix;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Copies a stack of overlay-form layers into one plain directory, bottom layer first, doing
 * what overlayfs does at lookup time: a whiteout deletes the name, an opaque directory drops what
 * the layers below put in it, and a node of another type replaces what was there. Metadata is
 * kept (owner, mode with setuid bits, xattrs except overlay's own, mtimes, hard links within a
 * layer, devices). Directories get their metadata at the end, deepest first.
 *
 * <p>Nothing is followed: each layer is walked without following symlinks, and a target name
 * is always reached through directories this copier made real (a lower layer's symlink at a
 * name where a higher layer has a directory is deleted and replaced by a directory).
 */
final class TreeCopier {
    private final Posix posix = Posix.get();
    private final Path target;
    /** Directory rel path to the layer directory whose metadata it takes. */
    private final Map<String, Path> dirMeta = new LinkedHashMap<>();

    private TreeCopier(Path target) {
        this.target = target;
    }

    static void applyStack(List<Path> topFirst, Path target) throws IOException {
        TreeCopier c = new TreeCopier(target);
        for (int i = topFirst.size() - 1; i >= 0; i--) {
            c.applyLayer(topFirst.get(i));
        }
        c.finish();
    }

    private void applyLayer(Path layer) throws IOException {
        Map<Object, Path> hardlinks = new HashMap<>();
        LayerStack probe = new LayerStack(List.of(layer));
        Files.walkFileTree(layer, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String rel = layer.relativize(dir).toString();
                Path t = rel.isEmpty() ? target : target.resolve(rel);
                if (!rel.isEmpty()) {
                    BasicFileAttributes existing = FileTrees.lstat(t);
                    if (existing != null && !existing.isDirectory()) {
                        Files.delete(t);
                        existing = null;
                    }
                    if (existing == null) {
                        Files.createDirectory(t);
                    }
                }
                if (probe.isOpaque(dir)) {
                    FileTrees.deleteChildren(t);
                    forgetBelow(rel);
                }
                dirMeta.put(rel, dir);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = layer.relativize(file).toString();
                Path t = target.resolve(rel);
                Map<String, Object> unix = FileTrees.unixAttributes(file);
                BasicFileAttributes existing = FileTrees.lstat(t);
                if (existing != null) {
                    FileTrees.deleteTree(t);
                    if (existing.isDirectory()) {
                        dirMeta.remove(rel);
                        forgetBelow(rel);
                    }
                }
                if (FileTrees.isWhiteout(unix)) {
                    return FileVisitResult.CONTINUE;
                }
                Object key = attrs.fileKey();
                if (attrs.isRegularFile() && (int) unix.get("nlink") > 1 && key != null && hardlinks.containsKey(key)) {
                    Files.createLink(t, hardlinks.get(key));
                    return FileVisitResult.CONTINUE;
                }
                copyNode(file, unix, t, posix);
                if (attrs.isRegularFile() && key != null) {
                    hardlinks.put(key, t);
                }
                return FileVisitResult.CONTINUE;
            }
        });
    }

    private void forgetBelow(String rel) {
        String prefix = rel.isEmpty() ? "" : rel + "/";
        dirMeta.keySet().removeIf(k -> !k.isEmpty() && k.startsWith(prefix));
    }

    private void finish() throws IOException {
        List<Map.Entry<String, Path>> dirs = new ArrayList<>(dirMeta.entrySet());
        dirs.sort(Comparator.comparingInt((Map.Entry<String, Path> e) -> e.getKey().length()).reversed());
        for (Map.Entry<String, Path> e : dirs) {
            Path t = e.getKey().isEmpty() ? target : target.resolve(e.getKey());
            BasicFileAttributes a = FileTrees.lstat(t);
            if (a != null && a.isDirectory()) {
                copyMetadata(e.getValue(), FileTrees.unixAttributes(e.getValue()), t, false, posix);
            }
        }
    }

    /** Creates {@code dst} (which must not exist) as a copy of the node {@code src}, metadata included. */
    static void copyNode(Path src, Map<String, Object> unix, Path dst, Posix posix) throws IOException {
        int mode = (int) unix.get("mode");
        int type = mode & Posix.S_IFMT;
        switch (type) {
            case Posix.S_IFREG -> Files.copy(src, dst, LinkOption.NOFOLLOW_LINKS);
            case Posix.S_IFLNK -> posix.symlink(posix.readlink(src), dst);
            case Posix.S_IFCHR, Posix.S_IFBLK, Posix.S_IFIFO -> {
                long rdev = (long) unix.get("rdev");
                posix.mknod(dst, type | (mode & 0777), Posix.major(rdev), Posix.minor(rdev));
            }
            case Posix.S_IFDIR -> Files.createDirectory(dst);
            default -> throw new IOException("cannot copy " + src + ": unsupported file type 0" + Integer.toOctalString(type));
        }
        copyMetadata(src, unix, dst, type == Posix.S_IFLNK, posix);
    }

    static void copyMetadata(Path src, Map<String, Object> unix, Path dst, boolean symlink, Posix posix)
            throws IOException {
        if (posix.isRoot()) {
            posix.lchown(dst, (int) unix.get("uid"), (int) unix.get("gid"));
        }
        if (!symlink) {
            posix.chmodNoSymlink(dst, (int) unix.get("mode")); // dst was just made by this copier
        }
        for (String name : posix.llistxattr(src)) {
            if (name.startsWith("trusted.overlay.") || (!posix.isRoot() && !name.startsWith("user."))) {
                continue;
            }
            byte[] v = posix.lgetxattr(src, name);
            if (v != null) {
                posix.lsetxattr(dst, name, v);
            }
        }
        FileTime mtime = (FileTime) unix.get("lastModifiedTime");
        java.time.Instant t = mtime.toInstant();
        posix.lutimes(dst, t.getEpochSecond(), t.getNano());
    }
}
