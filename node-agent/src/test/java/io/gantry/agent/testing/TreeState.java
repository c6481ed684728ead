package io.gantry.agent.testing;

import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Map;
import java.util.TreeMap;

/**
 * A comparable record of a directory tree (names, types, modes, owners, mtimes, content digests,
 * link targets): taken before and after an operation, it shows that nothing changed.
 */
public final class TreeState {
    private TreeState() {
    }

    public static Map<String, String> of(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) throws IOException {
                out.put(root.relativize(dir).toString(), describe(dir));
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                out.put(root.relativize(file).toString(), describe(file));
                return FileVisitResult.CONTINUE;
            }
        });
        return out;
    }

    private static String describe(Path p) throws IOException {
        Map<String, Object> a = Files.readAttributes(p, "unix:mode,uid,gid,lastModifiedTime,size,rdev,nlink",
                LinkOption.NOFOLLOW_LINKS);
        StringBuilder sb = new StringBuilder();
        sb.append(Integer.toOctalString((int) a.get("mode"))).append(' ')
                .append(a.get("uid")).append(':').append(a.get("gid")).append(' ')
                .append(a.get("lastModifiedTime")).append(' ').append(a.get("size"))
                .append(" rdev=").append(a.get("rdev"));
        if (Files.isSymbolicLink(p)) {
            sb.append(" -> ").append(Files.readSymbolicLink(p));
        } else if (Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)) {
            sb.append(' ').append(Digest.sha256(p).shortHex());
        }
        return sb.toString();
    }
}
