package io.gantry.agent.snapshot;

import io.gantry.agent.posix.Posix;
import io.gantry.agent.testing.TestLayer;
import io.gantry.agent.testing.TreeState;
import io.gantry.agent.unpack.LayerUnpacker;
import io.gantry.protocol.oci.Digest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The behaviour every {@link Snapshotter} owes its callers (containerd's snapshots/testsuite),
 * run against each implementation by a subclass. Tests that mount need root and skip without it.
 */
abstract class SnapshotterContractTest {
    @TempDir
    Path tmp;
    LayerUnpacker unpacker;
    Snapshotter snapshotter;
    Mounter mounter;
    private final List<Path> mountPoints = new ArrayList<>();

    abstract Snapshotter create(Path root, Function<Digest, Path> layers) throws IOException;

    @BeforeEach
    void setUp() throws IOException {
        unpacker = new LayerUnpacker(tmp.resolve("layers"), false, 64 * 1024);
        snapshotter = create(tmp.resolve("snapshots"), unpacker::directory);
        mounter = new Mounter();
    }

    @AfterEach
    void unmountEverything() throws IOException {
        try {
            for (Path p : mountPoints) {
                mounter.unmountAll(p);
            }
        } finally {
            mounter.close();
        }
    }

    static void requireRoot() {
        assumeTrue(Posix.get().isRoot(), "mounting needs root");
    }

    /** Unpacks the layers and imports them as a chain of committed snapshots; returns the top's name. */
    String image(TestLayer... layers) throws IOException {
        String parent = null;
        for (TestLayer l : layers) {
            unpacker.unpack(l.diffId(), new ByteArrayInputStream(l.gzip()));
            String name = parent == null ? l.diffId().toString()
                    : Digest.sha256((parent + " " + l.diffId()).getBytes(StandardCharsets.UTF_8)).toString();
            snapshotter.importLayer(name, parent, l.diffId());
            parent = name;
        }
        return parent;
    }

    Path mount(List<Mount> mounts, String name) throws IOException {
        Path target = Files.createDirectories(tmp.resolve("mnt").resolve(name));
        mountPoints.add(target);
        mounter.mount(mounts, target);
        return target;
    }

    static TestLayer base() {
        return new TestLayer()
                .dir("etc", 0755)
                .file("etc/passwd", "root:x:0:0\n", 0644)
                .file("etc/group", "root:x:0:\n", 0644)
                .file("etc/hosts.sample", "127.0.0.1 localhost\n", 0644)
                .dir("var", 0755)
                .dir("var/cache", 0755)
                .file("var/cache/a", "a", 0644)
                .file("var/cache/b", "b", 0644)
                .symlink("host", "etc")
                .file("bin/tool", "v1", 0755);
    }

    static TestLayer second() {
        return new TestLayer()
                .dir("etc", 0755)
                .whiteout("etc/.wh.passwd")
                .file("etc/motd", "hello\n", 0644)
                .dir("var/cache", 0755)
                .whiteout("var/cache/.wh..wh..opq")
                .file("var/cache/c", "c", 0644)
                .file("bin/tool", "v2", 0755)
                .dir("host", 0755)
                .file("host/inside", "not the host", 0644);
    }

    @Test
    void theMergedViewAppliesWhiteoutsAndOpaqueDirectories() throws IOException {
        requireRoot();
        String img = image(base(), second());
        Path root = mount(snapshotter.prepare("c1", img), "c1");
        assertFalse(Files.exists(root.resolve("etc/passwd"), LinkOption.NOFOLLOW_LINKS), "whited out");
        assertEquals("root:x:0:\n", Files.readString(root.resolve("etc/group")));
        assertEquals("hello\n", Files.readString(root.resolve("etc/motd")));
        try (Stream<Path> s = Files.list(root.resolve("var/cache"))) {
            assertEquals(List.of("c"), s.map(p -> p.getFileName().toString()).sorted().toList(), "opaque");
        }
        assertEquals("v2", Files.readString(root.resolve("bin/tool")));
        assertTrue(Files.isDirectory(root.resolve("host"), LinkOption.NOFOLLOW_LINKS),
                "a directory replaces the lower layer's symlink");
        assertEquals("not the host", Files.readString(root.resolve("host/inside")));
        assertFalse(Files.exists(root.resolve("etc/inside")), "nothing was written through the lower symlink");
    }

    @Test
    void writesLandInTheWritableLayerOnly() throws IOException {
        requireRoot();
        String img = image(base(), second());
        Map<String, String> layersBefore = TreeState.of(tmp.resolve("layers"));
        Path root = mount(snapshotter.prepare("c1", img), "c1");
        Files.writeString(root.resolve("etc/group"), "staff:x:50:\n", StandardOpenOption.APPEND);
        Files.delete(root.resolve("etc/hosts.sample"));
        Files.createDirectories(root.resolve("srv"));
        Files.writeString(root.resolve("srv/new"), "new");
        Files.delete(root.resolve("var/cache/c"));
        Files.delete(root.resolve("var/cache"));
        Files.createDirectory(root.resolve("var/cache"));
        Files.writeString(root.resolve("var/cache/fresh"), "fresh");
        Files.writeString(root.resolve("bin/tool"), "v3");
        assertEquals(layersBefore, TreeState.of(tmp.resolve("layers")), "lower layers are untouched on disk");

        mounter.unmountAll(root);
        Path again = mount(snapshotter.mounts("c1"), "c1-again");
        assertEquals("root:x:0:\nstaff:x:50:\n", Files.readString(again.resolve("etc/group")));
        assertEquals("v3", Files.readString(again.resolve("bin/tool")));
        assertFalse(Files.exists(again.resolve("etc/hosts.sample")));

        Path other = mount(snapshotter.prepare("c2", img), "c2");
        assertEquals("root:x:0:\n", Files.readString(other.resolve("etc/group")), "containers do not share writes");
        assertEquals("v2", Files.readString(other.resolve("bin/tool")));
    }

    @Test
    void changesAreReportedLikeDockerDiff() throws IOException {
        requireRoot();
        String img = image(base());
        Path root = mount(snapshotter.prepare("c1", img), "c1");
        Files.writeString(root.resolve("etc/group"), "staff:x:50:\n", StandardOpenOption.APPEND);
        Files.delete(root.resolve("etc/hosts.sample"));
        Files.createDirectories(root.resolve("srv"));
        Files.writeString(root.resolve("srv/new"), "new");
        Files.delete(root.resolve("var/cache/a"));
        Files.delete(root.resolve("var/cache/b"));
        Files.delete(root.resolve("var/cache"));
        Files.createDirectory(root.resolve("var/cache"));
        Files.writeString(root.resolve("var/cache/fresh"), "fresh");
        mounter.unmountAll(root);

        assertEquals(List.of(
                "C /etc",
                "C /etc/group",
                "D /etc/hosts.sample",
                "A /srv",
                "A /srv/new",
                "C /var",
                "C /var/cache",
                "D /var/cache/a",
                "D /var/cache/b",
                "A /var/cache/fresh"), snapshotter.changes("c1").lines());
    }

    @Test
    void aCommittedLayerReproducesTheContainer() throws IOException {
        requireRoot();
        String img = image(base(), second());
        Path root = mount(snapshotter.prepare("c1", img), "c1");
        Files.writeString(root.resolve("etc/group"), "staff:x:50:\n", StandardOpenOption.APPEND);
        Files.delete(root.resolve("etc/motd"));
        Files.delete(root.resolve("var/cache/c"));
        Files.delete(root.resolve("var/cache"));
        Files.createDirectory(root.resolve("var/cache"));
        Files.writeString(root.resolve("var/cache/fresh"), "fresh");
        Files.createSymbolicLink(root.resolve("etc/link"), Path.of("group"));
        Files.createLink(root.resolve("etc/group.hard"), root.resolve("etc/group"));
        mounter.unmountAll(root);
        Path containerView = mount(snapshotter.mounts("c1"), "c1-view");
        Map<String, String> expected = TreeState.of(containerView);
        mounter.unmountAll(containerView);

        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        CommittedLayer layer = LayerCommitter.writeGzip(snapshotter.changes("c1"), blob);
        assertEquals(Digest.sha256(blob.toByteArray()), layer.digest());
        assertEquals(blob.size(), layer.size());
        unpacker.unpack(layer.diffId(), new ByteArrayInputStream(blob.toByteArray()));
        snapshotter.importLayer("committed", img, layer.diffId());

        Path rebuilt = mount(snapshotter.view("v1", "committed"), "v1");
        Map<String, String> actual = TreeState.of(rebuilt);
        // the view's root is a different directory: compare everything below it; layer tars
        // carry whole seconds (as Docker's do), so compare mtimes to the second
        expected.remove("");
        actual.remove("");
        assertEquals(toSeconds(expected), toSeconds(actual));
        assertTrue(Files.isSymbolicLink(rebuilt.resolve("etc/link")));
        assertEquals(Files.getAttribute(rebuilt.resolve("etc/group"), "unix:ino"),
                Files.getAttribute(rebuilt.resolve("etc/group.hard"), "unix:ino"));
    }

    private static Map<String, String> toSeconds(Map<String, String> state) {
        Map<String, String> out = new java.util.TreeMap<>();
        state.forEach((k, v) -> out.put(k, v.replaceAll("\\.\\d+Z", "Z")));
        return out;
    }

    @Test
    void commitMakesAParentForNewSnapshots() throws IOException {
        requireRoot();
        String img = image(base());
        Path root = mount(snapshotter.prepare("build", img), "build");
        Files.writeString(root.resolve("etc/built"), "yes");
        SnapshotException mounted = assertThrows(SnapshotException.class, () -> snapshotter.commit("img2", "build"));
        assertEquals(SnapshotException.Reason.FAILED_PRECONDITION, mounted.reason());
        mounter.unmountAll(root);
        snapshotter.commit("img2", "build");
        assertEquals(SnapshotInfo.Kind.COMMITTED, snapshotter.stat("img2").kind());
        assertThrows(SnapshotException.class, () -> snapshotter.stat("build"));

        Path next = mount(snapshotter.prepare("c2", "img2"), "c2");
        assertEquals("yes", Files.readString(next.resolve("etc/built")));
        assertEquals("root:x:0:0\n", Files.readString(next.resolve("etc/passwd")));

        SnapshotException parent = assertThrows(SnapshotException.class, () -> snapshotter.remove("img2"));
        assertEquals(SnapshotException.Reason.FAILED_PRECONDITION, parent.reason());
        assertTrue(parent.getMessage().contains("has children"), parent.getMessage());
    }

    @Test
    void aViewIsReadOnly() throws IOException {
        requireRoot();
        String img = image(base(), second());
        Path root = mount(snapshotter.view("v", img), "v");
        assertEquals("v2", Files.readString(root.resolve("bin/tool")));
        IOException e = assertThrows(IOException.class, () -> Files.writeString(root.resolve("etc/x"), "x"));
        assertTrue(e.getMessage().contains("Read-only"), e.getMessage());
        Path single = mount(snapshotter.view("v1", image(base())), "v1");
        assertThrows(IOException.class, () -> Files.writeString(single.resolve("etc/x"), "x"));
    }

    @Test
    void removeUnmountsAndDeletes() throws IOException {
        requireRoot();
        String img = image(base(), second());
        Path root = mount(snapshotter.prepare("c1", img), "c1");
        Files.writeString(root.resolve("etc/data"), "container data");
        assertTrue(MountTable.read().isMountPoint(root));

        assertTrue(snapshotter.remove("c1"));
        assertFalse(MountTable.read().isMountPoint(root), "a live mount of the removed snapshot is detached");
        SnapshotException gone = assertThrows(SnapshotException.class, () -> snapshotter.stat("c1"));
        assertEquals(SnapshotException.Reason.NOT_FOUND, gone.reason());
        try (Stream<Path> s = Files.list(tmp.resolve("snapshots").resolve("snapshots"))) {
            assertEquals(List.of(), s.toList(), "the snapshot's directories are deleted");
        }
        assertFalse(snapshotter.remove("c1"), "removing twice is fine");
        assertFalse(snapshotter.remove("never-existed"));
    }

    @Test
    void anImageOf130LayersMounts() throws IOException {
        requireRoot();
        TestLayer[] layers = new TestLayer[130];
        for (int i = 0; i < layers.length; i++) {
            layers[i] = new TestLayer().file("layers/" + i, "layer " + i, 0644).file("top", "from layer " + i, 0644);
        }
        String img = image(layers);
        List<Mount> mounts = snapshotter.prepare("deep", img);
        Path root = mount(mounts, "deep");
        assertEquals("from layer 129", Files.readString(root.resolve("top")));
        for (int i = 0; i < layers.length; i++) {
            assertEquals("layer " + i, Files.readString(root.resolve("layers/" + i)));
        }
        Files.writeString(root.resolve("top"), "written");
        assertEquals("from layer 129", Files.readString(unpacker.directory(layers[129].diffId()).resolve("top")));
    }

    @Test
    void busyboxRunsFromTheMergedView() throws Exception {
        requireRoot();
        Path busybox = Path.of("/bin/busybox");
        assumeTrue(Files.isExecutable(busybox), "needs Debian's busybox-static at /bin/busybox");
        String img = image(
                new TestLayer().dir("bin", 0755).file("bin/busybox", Files.readAllBytes(busybox), 0755),
                new TestLayer().symlink("bin/true", "busybox").symlink("bin/sh", "busybox"));
        Path root = mount(snapshotter.prepare("bb", img), "bb");
        assertEquals(0100755, Files.getAttribute(root.resolve("bin/busybox"), "unix:mode"));
        assertEquals(0, new ProcessBuilder(root.resolve("bin/true").toString()).start().waitFor());
        Process sh = new ProcessBuilder(root.resolve("bin/sh").toString(), "-c", "echo merged").start();
        assertEquals("merged\n", new String(sh.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, sh.waitFor());
    }

    @Test
    void prepareOnAMissingParentFailsClearly() {
        SnapshotException e = assertThrows(SnapshotException.class, () -> snapshotter.prepare("c1", "no-such-image"));
        assertEquals(SnapshotException.Reason.NOT_FOUND, e.reason());
        assertEquals("parent snapshot 'no-such-image' not found", e.getMessage());
    }

    @Test
    void prepareOnAnActiveParentAndDuplicateKeysAreRefused() throws IOException {
        String img = image(base());
        snapshotter.prepare("c1", img);
        SnapshotException active = assertThrows(SnapshotException.class, () -> snapshotter.prepare("c2", "c1"));
        assertEquals(SnapshotException.Reason.FAILED_PRECONDITION, active.reason());
        SnapshotException dup = assertThrows(SnapshotException.class, () -> snapshotter.prepare("c1", img));
        assertEquals(SnapshotException.Reason.ALREADY_EXISTS, dup.reason());
    }

    @Test
    void importingALayerThatIsNotUnpackedFails() {
        Digest missing = Digest.sha256("nothing".getBytes(StandardCharsets.UTF_8));
        SnapshotException e = assertThrows(SnapshotException.class, () -> snapshotter.importLayer("x", null, missing));
        assertEquals(SnapshotException.Reason.FAILED_PRECONDITION, e.reason());
        assertTrue(e.getMessage().contains("is not unpacked"), e.getMessage());
    }

    @Test
    void importIsIdempotentAndSnapshotsSurviveARestart() throws IOException {
        String img = image(base(), second());
        image(base(), second());
        snapshotter.prepare("c1", img);
        snapshotter.view("v1", img);
        List<SnapshotInfo> before = snapshotter.list();
        List<Mount> mounts = snapshotter.mounts("c1");
        assertEquals(4, before.size());

        Snapshotter reopened = create(tmp.resolve("snapshots"), unpacker::directory);
        assertEquals(before, reopened.list());
        assertEquals(mounts, reopened.mounts("c1"));
        assertEquals(SnapshotInfo.Kind.VIEW, reopened.stat("v1").kind());
        assertEquals(img, reopened.stat("c1").parent());
    }

    @Test
    void usageCountsWhatASnapshotHolds() throws IOException {
        String img = image(base());
        Usage layer = snapshotter.usage(img);
        assertTrue(layer.size() >= "root:x:0:0\n".length() + "v1".length(), layer.toString());
        assertTrue(layer.inodes() >= 8, layer.toString());
        snapshotter.prepare("c1", img);
        assertNotNull(snapshotter.usage("c1"));
    }
}
