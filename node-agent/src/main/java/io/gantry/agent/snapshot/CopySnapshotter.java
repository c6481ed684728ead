package io.gantry.agent.snapshot;

import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

/**
 * Snapshots for hosts without overlayfs (containerd's "native" snapshotter): prepare copies
 * the parent's layers, bottom to top, into the snapshot's own directory, applying whiteouts and
 * opaque directories as it goes ({@link TreeCopier}); the mount is a bind mount of that copy.
 * A committed snapshot made from an active one is that full copy, a stack of one. Preparing
 * costs a copy of the image, so overlay is preferred wherever the probe finds it.
 */
public final class CopySnapshotter extends AbstractSnapshotter {

    public CopySnapshotter(Path root, Function<Digest, Path> layerDirectories) throws IOException {
        super(root, layerDirectories);
    }

    @Override
    public String kind() {
        return "copy";
    }

    @Override
    protected void populate(Path snapshotDir, List<Path> parentStack, SnapshotInfo.Kind kind) throws IOException {
        TreeCopier.applyStack(parentStack, snapshotDir.resolve("fs"));
    }

    @Override
    protected List<Mount> mountsOf(SnapshotRecord r, Path snapshotDir) {
        String mode = r.kind() == SnapshotInfo.Kind.ACTIVE ? "rw" : "ro";
        return List.of(new Mount("bind", snapshotDir.resolve("fs").toString(), List.of(mode, "rbind")));
    }

    @Override
    protected List<Path> committedStack(SnapshotRecord active, Path fs) {
        return List.of(fs);
    }

    @Override
    protected ChangeSet changesOf(SnapshotRecord active, Path fs) throws IOException {
        return Changes.ofFullTree(fs, new LayerStack(active.stack()));
    }
}
