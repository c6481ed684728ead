package io.gantry.agent.snapshot;

import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.posix.Posix;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * The merged, read-only view of a stack of overlay-form layer directories (top first), computed
 * the way overlayfs computes it: a whiteout (character device 0/0) deletes the name below it,
 * an opaque directory ({@code trusted.overlay.opaque=y}) hides everything below it, and a
 * non-directory hides whatever directory lies below it. Names are resolved component by
 * component in each layer without following symlinks: a symlink in a lower layer is a
 * non-directory, never a way into another tree.
 */
final class LayerStack {
    private final List<Path> layers;
    private final Posix posix = Posix.get();

    LayerStack(List<Path> topFirst) {
        this.layers = List.copyOf(topFirst);
    }

    List<Path> layers() {
        return layers;
    }

    private enum State { FOUND, ABSENT, BLOCKED }

    private record Probe(State state, Path path, Map<String, Object> attrs, boolean stopBelow) {
    }

    /** The file that provides {@code rel} in the merged view (relative, "" is the root), if any. */
    Optional<Path> lookup(String rel) throws IOException {
        for (Path layer : layers) {
            Probe p = probe(layer, rel);
            if (p.state == State.FOUND) {
                return Optional.of(p.path);
            }
            if (p.state == State.BLOCKED || p.stopBelow) {
                return Optional.empty();
            }
        }
        return Optional.empty();
    }

    /** The merged children of directory {@code rel}: name to the file that provides it. */
    Map<String, Path> list(String rel) throws IOException {
        Map<String, Path> out = new TreeMap<>();
        Set<String> seen = new HashSet<>();
        for (Path layer : layers) {
            Probe p = probe(layer, rel);
            if (p.state == State.BLOCKED) {
                break;
            }
            if (p.state == State.FOUND) {
                if (!isDirectory(p.attrs)) {
                    break;
                }
                try (DirectoryStream<Path> s = Files.newDirectoryStream(p.path)) {
                    for (Path child : s) {
                        String name = child.getFileName().toString();
                        if (seen.add(name) && !FileTrees.isWhiteout(FileTrees.unixAttributes(child))) {
                            out.put(name, child);
                        }
                    }
                }
            }
            if (p.stopBelow) {
                break;
            }
        }
        return out;
    }

    private Probe probe(Path layer, String rel) throws IOException {
        boolean opaqueAbove = false;
        Path cur = layer;
        if (!rel.isEmpty()) {
            String[] parts = rel.split("/");
            for (int i = 0; i < parts.length - 1; i++) {
                cur = cur.resolve(parts[i]);
                Map<String, Object> a = FileTrees.unixAttributes(cur);
                if (a == null) {
                    return new Probe(State.ABSENT, null, null, opaqueAbove);
                }
                if (!isDirectory(a)) {
                    return new Probe(State.BLOCKED, null, null, true); // a whiteout or a non-directory hides the rest
                }
                if (isOpaque(cur)) {
                    opaqueAbove = true;
                }
            }
            cur = cur.resolve(parts[parts.length - 1]);
        }
        Map<String, Object> a = FileTrees.unixAttributes(cur);
        if (a == null) {
            return new Probe(State.ABSENT, null, null, opaqueAbove);
        }
        if (FileTrees.isWhiteout(a)) {
            return new Probe(State.BLOCKED, null, null, true);
        }
        boolean stop = opaqueAbove || !isDirectory(a) || isOpaque(cur);
        return new Probe(State.FOUND, cur, a, stop);
    }

    boolean isOpaque(Path dir) throws IOException {
        byte[] v = posix.lgetxattr(dir, "trusted.overlay.opaque");
        return v != null && v.length == 1 && v[0] == 'y';
    }

    static boolean isDirectory(Map<String, Object> unix) {
        return ((int) unix.get("mode") & Posix.S_IFMT) == Posix.S_IFDIR;
    }
}
