package io.gantry.agent.snapshot;

import io.gantry.protocol.oci.Digest;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.Function;

class CopySnapshotterTest extends SnapshotterContractTest {
    @Override
    Snapshotter create(Path root, Function<Digest, Path> layers) throws IOException {
        return new CopySnapshotter(root, layers);
    }
}
