package io.gantry.agent.snapshot;

import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.posix.Posix;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Computes a writable layer's {@link ChangeSet} against the layers below it, in the two forms a
 * snapshotter keeps a writable layer:
 * <ul>
 *   <li>{@link #ofOverlayUpper}: an overlay upper directory holds exactly the changed names;
 *       whiteouts are deletions, and an opaque directory deletes what lay below it.</li>
 *   <li>{@link #ofFullTree}: a copied tree holds everything; it is compared with the merged
 *       lower view by metadata (type, mode, owner, size, mtime, device, link target), as
 *       containerd's continuity does. A copy keeps mtimes, so an untouched file compares equal.</li>
 * </ul>
 * Like {@code docker diff}, a directory whose content changed is reported as changed, and only
 * the top of a deleted tree is reported.
 */
final class Changes {
    private Changes() {
    }

    static ChangeSet ofOverlayUpper(Path upper, LayerStack lower) throws IOException {
        List<Change> out = new ArrayList<>();
        Files.walkFileTree(upper, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String rel = upper.relativize(dir).toString();
                boolean opaque = lower.isOpaque(dir);
                if (!rel.isEmpty()) {
                    Optional<Path> below = lower.lookup(rel);
                    out.add(new Change(below.isPresent() ? Change.Kind.CHANGED : Change.Kind.ADDED, "/" + rel, dir, opaque));
                }
                if (opaque) {
                    for (String name : lower.list(rel).keySet()) {
                        if (FileTrees.lstat(dir.resolve(name)) == null) {
                            out.add(new Change(Change.Kind.DELETED, "/" + join(rel, name), null, false));
                        }
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = upper.relativize(file).toString();
                if (FileTrees.isWhiteout(FileTrees.unixAttributes(file))) {
                    out.add(new Change(Change.Kind.DELETED, "/" + rel, null, false));
                } else {
                    Change.Kind kind = lower.lookup(rel).isPresent() ? Change.Kind.CHANGED : Change.Kind.ADDED;
                    out.add(new Change(kind, "/" + rel, file, false));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new ChangeSet(out);
    }

    static ChangeSet ofFullTree(Path tree, LayerStack lower) throws IOException {
        List<Change> out = new ArrayList<>();
        Posix posix = Posix.get();
        Files.walkFileTree(tree, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                String rel = tree.relativize(dir).toString();
                Optional<Path> below = rel.isEmpty() ? Optional.of(tree) : lower.lookup(rel);
                if (!rel.isEmpty()) {
                    if (below.isEmpty()) {
                        out.add(new Change(Change.Kind.ADDED, "/" + rel, dir, false));
                        return FileVisitResult.CONTINUE;
                    }
                    if (differs(dir, below.get(), posix)) {
                        out.add(new Change(Change.Kind.CHANGED, "/" + rel, dir, false));
                    }
                    if (!LayerStack.isDirectory(FileTrees.unixAttributes(below.get()))) {
                        return FileVisitResult.CONTINUE; // a directory replaced a file: nothing below to delete
                    }
                }
                Set<String> present = new HashSet<>();
                try (var s = Files.newDirectoryStream(dir)) {
                    for (Path p : s) {
                        present.add(p.getFileName().toString());
                    }
                }
                for (String name : lower.list(rel).keySet()) {
                    if (!present.contains(name)) {
                        out.add(new Change(Change.Kind.DELETED, "/" + join(rel, name), null, false));
                    }
                }
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                String rel = tree.relativize(file).toString();
                Optional<Path> below = lower.lookup(rel);
                if (below.isEmpty()) {
                    out.add(new Change(Change.Kind.ADDED, "/" + rel, file, false));
                } else if (differs(file, below.get(), posix)) {
                    out.add(new Change(Change.Kind.CHANGED, "/" + rel, file, false));
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return new ChangeSet(out);
    }

    private static boolean differs(Path a, Path b, Posix posix) throws IOException {
        Map<String, Object> x = FileTrees.unixAttributes(a);
        Map<String, Object> y = FileTrees.unixAttributes(b);
        int mode = (int) x.get("mode");
        if (mode != (int) y.get("mode") || !x.get("uid").equals(y.get("uid")) || !x.get("gid").equals(y.get("gid"))
                || !x.get("lastModifiedTime").equals(y.get("lastModifiedTime")) || !x.get("rdev").equals(y.get("rdev"))) {
            return true;
        }
        int type = mode & Posix.S_IFMT;
        if (type != Posix.S_IFDIR && !x.get("size").equals(y.get("size"))) {
            return true;
        }
        return type == Posix.S_IFLNK && !Objects.equals(posix.readlink(a), posix.readlink(b));
    }

    private static String join(String dir, String name) {
        return dir.isEmpty() ? name : dir + "/" + name;
    }
}
