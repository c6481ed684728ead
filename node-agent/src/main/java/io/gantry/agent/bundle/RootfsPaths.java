package io.gantry.agent.bundle;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Resolves a path as the container would see it, inside its root filesystem on the host: an
 * absolute symlink means the rootfs's root, {@code ..} stops at it. So an image whose
 * {@code /etc/passwd} is a symlink to {@code /../../etc/shadow} reads its own file (or nothing),
 * never the host's -- the class of bug Docker's FollowSymlinkInScope closes.
 */
public final class RootfsPaths {

    private static final int MAX_LINKS = 255;

    private RootfsPaths() {
    }

    /** The host path of {@code containerPath} inside {@code rootfs}; it need not exist. */
    public static Path resolve(Path rootfs, String containerPath) throws IOException {
        Deque<String> pending = new ArrayDeque<>(split(containerPath));
        List<String> resolved = new ArrayList<>();
        int links = 0;
        while (!pending.isEmpty()) {
            String c = pending.pollFirst();
            if (c.isEmpty() || c.equals(".")) {
                continue;
            }
            if (c.equals("..")) {
                if (!resolved.isEmpty()) {
                    resolved.remove(resolved.size() - 1);
                }
                continue;
            }
            Path candidate = join(rootfs, resolved).resolve(c);
            if (Files.isSymbolicLink(candidate)) {
                if (++links > MAX_LINKS) {
                    throw new IOException("too many symlinks resolving " + containerPath + " in " + rootfs);
                }
                String target = Files.readSymbolicLink(candidate).toString();
                if (target.startsWith("/")) {
                    resolved.clear();
                }
                List<String> parts = split(target);
                for (int i = parts.size() - 1; i >= 0; i--) {
                    pending.addFirst(parts.get(i));
                }
            } else {
                resolved.add(c);
            }
        }
        return join(rootfs, resolved);
    }

    /** Creates {@code containerPath} and missing parents as directories (0755, owned by root). */
    public static Path mkdirs(Path rootfs, String containerPath) throws IOException {
        Path p = resolve(rootfs, containerPath);
        if (Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)) {
                throw new IOException(containerPath + " exists in the image and is not a directory");
            }
            return p;
        }
        Files.createDirectories(p);
        return p;
    }

    private static List<String> split(String path) {
        List<String> out = new ArrayList<>();
        for (String s : path.split("/")) {
            if (!s.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private static Path join(Path root, List<String> parts) {
        Path p = root;
        for (String s : parts) {
            p = p.resolve(s);
        }
        return p;
    }
}
