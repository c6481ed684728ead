package io.gantry.agent.snapshot;

import io.gantry.agent.posix.Posix;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class MounterTest {
    @TempDir
    Path tmp;
    final Mounter mounter = new Mounter();
    final List<Path> targets = new ArrayList<>();

    @AfterEach
    void cleanUp() throws IOException {
        for (Path t : targets) {
            mounter.unmountAll(t);
        }
        mounter.close();
    }

    Path target(String name) throws IOException {
        Path t = Files.createDirectories(tmp.resolve(name));
        targets.add(t);
        return t;
    }

    @Test
    void readOnlyBindMountsAndIdempotentUnmount() throws IOException {
        assumeTrue(Posix.get().isRoot(), "mount(2) needs root");
        Path src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("f"), "x");
        Path t = target("t");
        mounter.mount(List.of(new Mount("bind", src.toString(), List.of("ro", "rbind"))), t);
        assertEquals("x", Files.readString(t.resolve("f")));
        assertThrows(IOException.class, () -> Files.writeString(t.resolve("g"), "y"));
        assertTrue(mounter.unmount(t));
        assertFalse(mounter.unmount(t), "unmounting twice is fine");
        assertFalse(Files.exists(t.resolve("f")));
    }

    @Test
    void aBusyMountIsDetached() throws IOException {
        assumeTrue(Posix.get().isRoot(), "mount(2) needs root");
        Path t = target("busy");
        Posix.get().mount("tmpfs", t, "tmpfs", 0, "size=1m");
        Files.writeString(t.resolve("open"), "x");
        try (var in = Files.newInputStream(t.resolve("open"))) {
            assertEquals('x', in.read());
            assertTrue(mounter.unmount(t), "an open file makes the mount busy: it is detached");
        }
        assertFalse(MountTable.read().isMountPoint(t));
    }

    @Test
    void optionsBeyondAPageUseRelativeLowerdirs() throws IOException {
        assumeTrue(Posix.get().isRoot(), "mount(2) needs root");
        // long link names in a deep directory: absolute options overflow the page, relative fit
        Path links = Files.createDirectories(tmp.resolve("a".repeat(100)).resolve("b".repeat(100)).resolve("l"));
        List<String> lowers = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            Path layer = Files.createDirectories(tmp.resolve("layers").resolve("layer" + i));
            Files.writeString(layer.resolve("f" + i), "layer " + i);
            Path link = links.resolve(String.format("%012d", i));
            Files.createSymbolicLink(link, layer);
            lowers.add(link.toString());
        }
        Path upper = Files.createDirectories(tmp.resolve("u"));
        Path work = Files.createDirectories(tmp.resolve("w"));
        Mount m = new Mount("overlay", "overlay", List.of("lowerdir=" + String.join(":", lowers),
                "upperdir=" + upper, "workdir=" + work));
        assertTrue(String.join(",", m.options()).length() > Mounter.PAGE);
        Path t = target("merged");
        Path cwdBefore = Files.readSymbolicLink(Path.of("/proc/self/cwd"));
        mounter.mount(m, t);
        assertEquals("layer 0", Files.readString(t.resolve("f0")));
        assertEquals("layer 59", Files.readString(t.resolve("f59")));
        assertEquals(cwdBefore, Files.readSymbolicLink(Path.of("/proc/self/cwd")),
                "only the mount thread changed directory, not the JVM");
        assertTrue(MountTable.read().mountPointsUsing(upper).contains(t.toAbsolutePath()));
    }

    @Test
    void tooManyLayersFailClearly() throws IOException {
        List<String> lowers = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            lowers.add(tmp.resolve("l").resolve(String.format("%012d", i)).toString());
        }
        Mount m = new Mount("overlay", "overlay", List.of("lowerdir=" + String.join(":", lowers)));
        IOException e = assertThrows(IOException.class, () -> mounter.mount(m, target("never")));
        assertTrue(e.getMessage().contains("600 layers"), e.getMessage());
    }

    @Test
    void theProbeChoosesOverlayHere() {
        SnapshotterProbe.Result r = SnapshotterProbe.probe(tmp.resolve("probe-root"));
        if (Posix.get().isRoot()) {
            assertEquals("overlay", r.kind(), r.reason());
        } else {
            assertEquals("copy", r.kind());
            assertTrue(r.reason().contains("root"), r.reason());
        }
    }
}
