package io.gantry.agent.posix;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/** Tree operations that never follow a symlink. */
public final class FileTrees {
    private FileTrees() {
    }

    /** lstat, or null when nothing is there. */
    public static BasicFileAttributes lstat(Path p) throws IOException {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** The "unix:" attributes (mode with type bits, uid, gid, rdev, ino, nlink, times), or null. */
    public static Map<String, Object> unixAttributes(Path p) throws IOException {
        try {
            return Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
        } catch (NoSuchFileException e) {
            return null;
        }
    }

    /** An overlayfs whiteout: a character device with device number 0/0. */
    public static boolean isWhiteout(Map<String, Object> unix) {
        return unix != null && ((int) unix.get("mode") & Posix.S_IFMT) == Posix.S_IFCHR && (long) unix.get("rdev") == 0L;
    }

    /** Deletes a file or a directory tree; symlinks are deleted, never followed. Missing is fine. */
    public static void deleteTree(Path path) throws IOException {
        BasicFileAttributes a = lstat(path);
        if (a == null) {
            return;
        }
        if (!a.isDirectory()) {
            Files.delete(path);
            return;
        }
        Files.walkFileTree(path, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException exc) throws IOException {
                if (exc != null) {
                    throw exc;
                }
                Files.delete(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Deletes the children of a directory, keeping the directory. */
    public static void deleteChildren(Path dir) throws IOException {
        try (var s = Files.newDirectoryStream(dir)) {
            for (Path child : s) {
                deleteTree(child);
            }
        }
    }

    /** Bytes (allocated blocks are not visible from Java: apparent sizes) and inodes under a tree, hard links once. */
    public static long[] usage(Path root) throws IOException {
        long[] out = new long[2];
        if (lstat(root) == null) {
            return out;
        }
        Set<Object> seen = new HashSet<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
                out[1]++;
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                Object key = attrs.fileKey();
                if (key == null || seen.add(key)) {
                    out[0] += attrs.size();
                    out[1]++;
                }
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }
}
