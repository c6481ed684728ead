package io.gantry.agent.snapshot;

import io.gantry.agent.posix.FileTrees;
import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Snapshots as overlayfs mounts: an active snapshot is a private upper and work directory over
 * the read-only stack of its parent (lowerdirs ordered top to bottom, as overlayfs wants them);
 * image layers are used in place from {@code layers/<diff-id>/}, shared by every container.
 *
 * <p><b>Deep images.</b> Each lower directory is named in the mount options by a short symlink,
 * {@code <root>/l/<12 hex chars>} (Docker's overlay2 {@code l/} links), so a lowerdir costs
 * about {@code |root| + 16} bytes; when a deep stack still overflows the single page of mount
 * options, {@link Mounter} mounts with lowerdirs relative to {@code <root>/l} from a thread with
 * its own working directory, at 13 bytes per layer. That keeps a 128-layer image within a page
 * whatever the data directory's length, one mount per container, and the returned {@link Mount}
 * readable. (Mounting intermediate overlays in a chain was the alternative: more mounts to track
 * and to clean, and overlay nests only two levels deep.) A link's name derives from its target
 * path, so links are idempotent; a link whose target is gone is removed with its snapshot.
 *
 * <p>A snapshot without a parent is a bind mount of its own directory; a view of a single layer
 * is a read-only bind mount of it, because overlay wants two lowerdirs when there is no upper.
 *
 * <p>Where the kernel turns on {@code redirect_dir} or {@code metacopy} by default, active mounts
 * turn them off: the upper dir must hold plain copies and whiteouts for {@link Changes} and
 * {@link LayerCommitter} to read it as a layer, as Docker's overlay2 also requires.
 */
public final class OverlaySnapshotter extends AbstractSnapshotter {
    private static final List<String> FEATURES_OFF = featuresToTurnOff();

    private final Path links;

    public OverlaySnapshotter(Path root, Function<Digest, Path> layerDirectories) throws IOException {
        super(root, layerDirectories);
        this.links = Files.createDirectories(this.root.resolve("l"));
    }

    @Override
    public String kind() {
        return "overlay";
    }

    @Override
    protected void populate(Path snapshotDir, List<Path> parentStack, SnapshotInfo.Kind kind) throws IOException {
        Files.createDirectory(snapshotDir.resolve("work"));
        for (Path dir : parentStack) {
            registerLowerDir(dir); // links are cheap to re-check; a restarted agent may have lost none
        }
    }

    @Override
    protected List<Mount> mountsOf(SnapshotRecord r, Path snapshotDir) throws IOException {
        Path fs = snapshotDir.resolve("fs");
        List<Path> stack = r.stack();
        boolean active = r.kind() == SnapshotInfo.Kind.ACTIVE;
        if (stack.isEmpty()) {
            return List.of(new Mount("bind", fs.toString(), List.of(active ? "rw" : "ro", "rbind")));
        }
        if (!active && stack.size() == 1) {
            return List.of(new Mount("bind", stack.get(0).toString(), List.of("ro", "rbind")));
        }
        List<String> lower = new ArrayList<>();
        for (Path dir : stack) {
            lower.add(linkFor(dir).toString());
        }
        List<String> options = new ArrayList<>();
        if (!active) {
            options.add("ro");
        }
        options.add("lowerdir=" + String.join(":", lower));
        if (active) {
            options.add("upperdir=" + fs);
            options.add("workdir=" + snapshotDir.resolve("work"));
            options.addAll(FEATURES_OFF);
        }
        return List.of(new Mount("overlay", "overlay", options));
    }

    @Override
    protected List<Path> committedStack(SnapshotRecord active, Path fs) {
        List<Path> stack = new ArrayList<>();
        stack.add(fs);
        stack.addAll(active.stack());
        return stack;
    }

    @Override
    protected ChangeSet changesOf(SnapshotRecord active, Path fs) throws IOException {
        return Changes.ofOverlayUpper(fs, new LayerStack(active.stack()));
    }

    @Override
    protected void registerLowerDir(Path dir) throws IOException {
        Path link = linkFor(dir);
        if (FileTrees.lstat(link) == null) {
            posix.symlink(dir.toString(), link);
        } else if (!posix.readlink(link).equals(dir.toString())) {
            throw new IOException("overlay link " + link + " points to " + posix.readlink(link) + ", not " + dir
                    + " (name collision)");
        }
    }

    @Override
    protected void unregisterLowerDir(Path dir) throws IOException {
        Path link = linkFor(dir);
        if (FileTrees.lstat(link) != null && !Files.exists(dir)) {
            Files.delete(link);
        }
    }

    private static List<String> featuresToTurnOff() {
        List<String> off = new ArrayList<>();
        for (String feature : List.of("redirect_dir", "metacopy")) {
            try {
                Path p = Path.of("/sys/module/overlay/parameters", feature);
                if (Files.isReadable(p) && Files.readString(p).trim().equals("Y")) {
                    off.add(feature + "=off");
                }
            } catch (IOException ignored) {
                // not visible: the kernel's default is off
            }
        }
        return List.copyOf(off);
    }

    private Path linkFor(Path dir) {
        String id = Digest.sha256(dir.toString().getBytes(StandardCharsets.UTF_8)).hex().substring(0, 12);
        return links.resolve(id);
    }
}
