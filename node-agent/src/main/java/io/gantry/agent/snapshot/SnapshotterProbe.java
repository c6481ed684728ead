package io.gantry.agent.snapshot;

import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.posix.Posix;
import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Chooses the snapshotter at agent start by trying what it needs: a tiny overlay mount (two
 * lowers, an upper, a write through it) in a temporary directory under the snapshotter root,
 * since overlay's support depends on the file system that holds the upper dir. Falls back to the
 * copy snapshotter, with the reason.
 */
public final class SnapshotterProbe {
    public record Result(String kind, String reason) {
    }

    private SnapshotterProbe() {
    }

    public static Result probe(Path root) {
        Posix posix = Posix.get();
        if (!posix.isRoot()) {
            return new Result("copy", "overlay mounts need root (euid " + posix.geteuid() + ")");
        }
        try {
            if (Files.readAllLines(Path.of("/proc/filesystems")).stream().noneMatch(l -> l.endsWith("\toverlay"))) {
                return new Result("copy", "the kernel has no overlay file system (/proc/filesystems)");
            }
        } catch (IOException e) {
            return new Result("copy", "cannot read /proc/filesystems: " + e.getMessage());
        }
        Path dir = null;
        Mounter mounter = new Mounter();
        Path merged = null;
        try {
            Files.createDirectories(root);
            dir = Files.createTempDirectory(root, ".probe-");
            Path l1 = Files.createDirectory(dir.resolve("l1"));
            Path l2 = Files.createDirectory(dir.resolve("l2"));
            Path upper = Files.createDirectory(dir.resolve("u"));
            Path work = Files.createDirectory(dir.resolve("w"));
            merged = Files.createDirectory(dir.resolve("m"));
            Files.writeString(l2.resolve("probe"), "lower");
            mounter.mount(new Mount("overlay", "overlay", List.of("lowerdir=" + l1 + ":" + l2,
                    "upperdir=" + upper, "workdir=" + work)), merged);
            Files.writeString(merged.resolve("probe"), "upper");
            if (!Files.readString(upper.resolve("probe")).equals("upper")
                    || !Files.readString(l2.resolve("probe")).equals("lower")) {
                return new Result("copy", "overlay mounted but did not copy up a write");
            }
            return new Result("overlay", "overlay mount works under " + root);
        } catch (IOException e) {
            return new Result("copy", "overlay probe under " + root + " failed: " + e.getMessage());
        } finally {
            try {
                if (merged != null) {
                    mounter.unmountAll(merged);
                }
                if (dir != null) {
                    FileTrees.deleteTree(dir);
                }
            } catch (IOException ignored) {
                // a leftover probe directory is harmless
            }
            mounter.close();
        }
    }

    /** Probes and opens the chosen snapshotter under {@code root/<kind>}. */
    public static Snapshotter open(Path root, Function<Digest, Path> layerDirectories) throws IOException {
        Result r = probe(root);
        org.slf4j.LoggerFactory.getLogger(SnapshotterProbe.class).info("snapshotter: {} ({})", r.kind(), r.reason());
        return r.kind().equals("overlay")
                ? new OverlaySnapshotter(root.resolve("overlay"), layerDirectories)
                : new CopySnapshotter(root.resolve("copy"), layerDirectories);
    }
}
