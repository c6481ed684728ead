package io.gantry.agent.unpack;

import io.gantry.agent.posix.Posix;
import io.gantry.agent.testing.TestLayer;
import io.gantry.agent.testing.TreeState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Every way a layer could reach outside its directory, each refused (or neutralised) with the
 * "host" untouched. The host is a sentinel directory next to the layer store, never a real
 * system path; malicious names reach it both relatively and absolutely.
 */
class LayerEscapeTest {
    @TempDir
    Path tmp;
    Path outside;
    Path layers;
    LayerUnpacker unpacker;
    Map<String, String> before;

    @BeforeEach
    void setUp() throws IOException {
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("sentinel"), "host file");
        Files.createDirectories(outside.resolve("dir"));
        Files.writeString(outside.resolve("dir/inner"), "host inner");
        layers = tmp.resolve("layers");
        unpacker = new LayerUnpacker(layers, false, 64 * 1024);
        before = TreeState.of(outside);
    }

    /** Unpacks, expects a refusal naming the entry, and checks that nothing changed or stayed. */
    private void assertRefused(TestLayer layer, String entry, String reason) throws IOException {
        UnsafeLayerEntryException e = assertThrows(UnsafeLayerEntryException.class,
                () -> unpacker.unpack(layer.diffId(), new ByteArrayInputStream(layer.gzip())));
        assertEquals(entry, e.entry());
        assertTrue(e.getMessage().startsWith("layer " + layer.diffId() + ": entry '" + entry + "': "),
                e.getMessage());
        assertTrue(e.getMessage().contains(reason), e.getMessage());
        assertEquals(before, TreeState.of(outside), "the host must be untouched");
        assertFalse(unpacker.isUnpacked(layer.diffId()));
        try (Stream<Path> s = Files.list(layers)) {
            assertEquals(List.of(), s.toList(), "a refused layer leaves nothing");
        }
    }

    private Path assertAccepted(TestLayer layer) throws IOException {
        Path root = unpacker.unpack(layer.diffId(), new ByteArrayInputStream(layer.gzip())).directory();
        assertEquals(before, TreeState.of(outside), "the host must be untouched");
        return root;
    }

    private String rel() {
        // from layers/.tmp-x/ (and from layers/<hex>/) two levels up is tmp
        return "../../outside";
    }

    @Test
    void dotDotComponents() throws IOException {
        assertRefused(new TestLayer().file("a", "ok", 0644).file("../escape", "x", 0644), "../escape", "'..'");
        assertRefused(new TestLayer().file("a/../../" + rel() + "/sentinel", "x", 0644),
                "a/../../" + rel() + "/sentinel", "'..'");
        assertRefused(new TestLayer().dir("..", 0777), "../", "'..'");
    }

    @Test
    void absoluteNames() throws IOException {
        assertRefused(new TestLayer().file(outside + "/sentinel", "pwned", 0644), outside + "/sentinel", "absolute");
        assertRefused(new TestLayer().file("/abs", "x", 0644), "/abs", "absolute");
    }

    @Test
    void symlinkToParentUsedAsAPrefix() throws IOException {
        assertRefused(new TestLayer().symlink("link", "..").file("link/x", "x", 0644),
                "link/x", "path goes through symlink 'link'");
        assertRefused(new TestLayer().symlink("link", "../..").file("link/outside/sentinel", "x", 0644),
                "link/outside/sentinel", "path goes through symlink 'link'");
    }

    @Test
    void absoluteSymlinkUsedAsAPrefix() throws IOException {
        assertRefused(new TestLayer().symlink("link", outside.toString()).file("link/sentinel", "pwned", 0644),
                "link/sentinel", "path goes through symlink 'link'");
        assertRefused(new TestLayer().dir("etc", 0755).symlink("etc/conf", outside.toString())
                        .file("etc/conf/dir/inner", "pwned", 0644),
                "etc/conf/dir/inner", "path goes through symlink 'etc/conf'");
    }

    @Test
    void directoriesAndSpecialFilesThroughASymlink() throws IOException {
        assertRefused(new TestLayer().symlink("link", outside.toString()).dir("link/newdir", 0777),
                "link/newdir/", "path goes through symlink 'link'");
        assertRefused(new TestLayer().symlink("link", outside.toString()).fifo("link/fifo", 0644),
                "link/fifo", "path goes through symlink 'link'");
        assertRefused(new TestLayer().symlink("link", outside.toString()).symlink("link/evil", "/"),
                "link/evil", "path goes through symlink 'link'");
    }

    @Test
    void symlinkToADirectoryInsideTheLayerIsStillNotAPrefix() throws IOException {
        // Even an in-layer target is refused: what a symlink points at is the container's
        // business at run time, never the unpacker's.
        assertRefused(new TestLayer().dir("real", 0755).symlink("alias", "real").file("alias/x", "x", 0644),
                "alias/x", "path goes through symlink 'alias'");
    }

    @Test
    void hardlinkToAnOutsideName() throws IOException {
        assertRefused(new TestLayer().hardlink("h", "../../outside/sentinel"), "h", "'..'");
        assertRefused(new TestLayer().hardlink("h", outside + "/sentinel"), "h", "absolute");
    }

    @Test
    void hardlinkThroughASymlink() throws IOException {
        assertRefused(new TestLayer().symlink("link", outside.toString()).hardlink("h", "link/sentinel"),
                "h", "goes through symlink 'link'");
    }

    @Test
    void hardlinkToANameNotInTheLayer() throws IOException {
        assertRefused(new TestLayer().hardlink("h", "etc/passwd"), "h", "not in this layer");
        assertRefused(new TestLayer().dir("d", 0755).hardlink("h", "d"), "h", "hard link to directory");
    }

    @Test
    void hardlinkToASymlinkLinksTheSymlinkItself() throws IOException {
        Path root = assertAccepted(new TestLayer().symlink("link", outside + "/sentinel").hardlink("h", "link"));
        assertTrue(Files.isSymbolicLink(root.resolve("h")), "link(2) does not follow the symlink");
    }

    @Test
    void whiteoutThroughASymlink() throws IOException {
        assumeTrue(Posix.get().isRoot(), "whiteouts need root");
        assertRefused(new TestLayer().symlink("link", outside.toString()).whiteout("link/.wh.sentinel"),
                "link/.wh.sentinel", "path goes through symlink 'link'");
        assertRefused(new TestLayer().symlink("link", "..").whiteout("link/.wh.outside"),
                "link/.wh.outside", "path goes through symlink 'link'");
    }

    @Test
    void opaqueMarkerInASymlinkedDirectory() throws IOException {
        assumeTrue(Posix.get().isRoot(), "opaque markers need root");
        assertRefused(new TestLayer().symlink("link", outside.toString()).whiteout("link/.wh..wh..opq"),
                "link/.wh..wh..opq", "path goes through symlink 'link'");
    }

    @Test
    void malformedWhiteouts() throws IOException {
        assumeTrue(Posix.get().isRoot(), "whiteouts need root");
        assertRefused(new TestLayer().whiteout("d/.wh..."), "d/.wh...", "malformed whiteout");
        assertRefused(new TestLayer().whiteout(".wh."), ".wh.", "malformed whiteout");
    }

    @Test
    void whiteoutOfASymlinkReplacesTheLinkNotItsTarget() throws IOException {
        assumeTrue(Posix.get().isRoot(), "whiteouts need root");
        Path root = assertAccepted(new TestLayer().symlink("link", outside.toString()).whiteout(".wh.link"));
        assertEquals(Posix.S_IFCHR, (int) Files.getAttribute(root.resolve("link"), "unix:mode",
                LinkOption.NOFOLLOW_LINKS) & Posix.S_IFMT);
    }

    @Test
    void aFileReplacingASymlinkIsWrittenInPlaceNotThroughIt() throws IOException {
        Path root = assertAccepted(new TestLayer()
                .symlink("f", outside + "/sentinel")
                .file("f", "replaced", 0644)
                .symlink("g", "../../outside/dir/inner")
                .file("g", "replaced too", 0644));
        assertFalse(Files.isSymbolicLink(root.resolve("f")));
        assertEquals("replaced", Files.readString(root.resolve("f")));
        assertEquals("replaced too", Files.readString(root.resolve("g")));
    }

    @Test
    void aDirectoryReplacingASymlinkIsCreatedInPlace() throws IOException {
        Path root = assertAccepted(new TestLayer()
                .symlink("link", outside.toString())
                .dir("link", 0755)
                .file("link/sentinel", "inside", 0644));
        assertEquals("inside", Files.readString(root.resolve("link/sentinel")));
    }

    @Test
    void metadataOfAReplacedSymlinkIsNotAppliedToItsTarget() throws IOException {
        // A directory entry that reaches a symlink would chmod/chown/utime the target if followed.
        Path root = assertAccepted(new TestLayer()
                .symlink("d", outside.toString())
                .dir("d", 0700));
        assertTrue(Files.isDirectory(root.resolve("d"), LinkOption.NOFOLLOW_LINKS));
    }

    @Test
    void aPathThroughARegularFileIsRefused() throws IOException {
        assertRefused(new TestLayer().file("f", "x", 0644).file("f/child", "x", 0644),
                "f/child", "not a directory");
    }

    @Test
    void overlayPrivateAttributesMayNotComeFromALayer() throws IOException {
        assertRefused(new TestLayer().xattrFile("etc/x", "x", "trusted.overlay.redirect", "/outside"),
                "etc/x", "trusted.overlay.redirect");
    }

    @Test
    void deviceNodesNeedRoot() throws IOException {
        LayerUnpacker unprivileged = new LayerUnpacker(layers, false, 64 * 1024, false);
        TestLayer layer = new TestLayer().charDevice("dev/mem", 1, 1, 0666);
        UnsafeLayerEntryException e = assertThrows(UnsafeLayerEntryException.class,
                () -> unprivileged.unpack(layer.diffId(), new ByteArrayInputStream(layer.gzip())));
        assertTrue(e.getMessage().contains("device nodes can only be created as root"), e.getMessage());
        assertFalse(unprivileged.isUnpacked(layer.diffId()));
    }

    @Test
    void theLayerRootCannotBeReplaced() throws IOException {
        assertRefused(new TestLayer().symlink(".", outside.toString()), ".", "the layer root");
        assertRefused(new TestLayer().symlink("./", "/"), "./", "the layer root");
    }
}
