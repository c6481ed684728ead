package io.gantry.agent.snapshot;

import io.gantry.protocol.oci.Digest;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.*;

class OverlaySnapshotterTest extends SnapshotterContractTest {
    @Override
    Snapshotter create(Path root, Function<Digest, Path> layers) throws IOException {
        return new OverlaySnapshotter(root, layers);
    }

    @Test
    void deepStacksAreNamedByShortLinks() throws IOException {
        String img = image(base(), second());
        List<Mount> mounts = snapshotter.prepare("c1", img);
        Mount m = mounts.get(0);
        assertEquals("overlay", m.type());
        String[] lowers = m.option("lowerdir").split(":");
        assertEquals(2, lowers.length);
        Path links = tmp.resolve("snapshots").toAbsolutePath().resolve("l");
        for (String l : lowers) {
            assertEquals(links, Path.of(l).getParent());
            assertEquals(12, Path.of(l).getFileName().toString().length());
        }
        assertEquals(unpacker.directory(second().diffId()).toString(),
                io.gantry.agent.posix.Posix.get().readlink(Path.of(lowers[0])), "top layer first");
        assertTrue(m.option("upperdir").endsWith("/fs"));
        assertTrue(m.option("workdir").endsWith("/work"));
    }
}
