package io.gantry.layercache.image;

import io.gantry.layercache.content.ContentStore;
import io.gantry.protocol.oci.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayerWriterTest {

    @TempDir
    Path dir;

    static LayerContent sample() {
        String longName = "usr/share/" + "very-long-directory-name/".repeat(8) + "file-with-a-long-name.txt";
        return LayerContent.builder()
                .mtime(Instant.parse("2024-05-01T12:00:00Z"))
                .dir("etc", 0755)
                .file("etc/motd", "hello\n")
                .file("usr/bin/tool", new byte[] {1, 2, 3}, 04755)
                .symlink("usr/bin/alias", "tool")
                .hardlink("usr/bin/tool2", "usr/bin/tool")
                .owner(1000, 1000)
                .file("home/user/notes", "mine")
                .owner(0, 0)
                .file(longName, "deep")
                .whiteout("var/old")
                .opaque("opt/app")
                .fifo("run/pipe", 0600)
                .build();
    }

    @Test
    void writesAReadableTarWithBothDigestsInOnePass() throws IOException {
        ContentStore store = ContentStore.open(dir.resolve("store"));
        LayerWriter.BuiltLayer layer = new LayerWriter(store).write(sample(), true, "build/test");

        byte[] blob = store.readAll(layer.digest());
        assertEquals(Digest.sha256(blob), layer.digest());
        assertEquals(blob.length, layer.size());
        byte[] tar;
        try (InputStream in = new GZIPInputStream(store.open(layer.digest()))) {
            tar = in.readAllBytes();
        }
        assertEquals(Digest.sha256(tar), layer.diffId());
        assertEquals(tar.length, layer.uncompressedSize());
        assertTrue(store.leases().get("build/test").orElseThrow().digests().contains(layer.digest()));

        List<String> names = new ArrayList<>();
        try (TarArchiveInputStream in = new TarArchiveInputStream(new java.io.ByteArrayInputStream(tar))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                names.add(e.getName());
                switch (e.getName()) {
                    case "usr/bin/tool" -> {
                        assertEquals(04755, e.getMode() & 07777);
                        assertArrayEquals(new byte[] {1, 2, 3}, in.readAllBytes());
                    }
                    case "usr/bin/alias" -> assertEquals("tool", e.getLinkName());
                    case "usr/bin/tool2" -> {
                        assertTrue(e.isLink());
                        assertEquals("usr/bin/tool", e.getLinkName());
                    }
                    case "home/user/notes" -> assertEquals(1000, e.getLongUserId());
                    case "var/.wh.old", "opt/app/.wh..wh..opq" -> assertEquals(0, e.getSize());
                    case "run/pipe" -> assertTrue(e.isFIFO());
                    case "etc/motd" -> assertEquals(Instant.parse("2024-05-01T12:00:00Z"), e.getLastModifiedTime().toInstant());
                    default -> { }
                }
            }
        }
        List<String> expected = new ArrayList<>(List.of("etc/", "etc/motd", "usr/", "usr/bin/", "usr/bin/tool",
                "usr/bin/alias", "usr/bin/tool2", "home/", "home/user/", "home/user/notes", "usr/share/"));
        String deep = "usr/share/";
        for (int i = 0; i < 8; i++) {
            deep += "very-long-directory-name/";
            expected.add(deep);
        }
        expected.add(deep + "file-with-a-long-name.txt");
        expected.addAll(List.of("var/", "var/.wh.old", "opt/", "opt/app/", "opt/app/.wh..wh..opq", "run/", "run/pipe"));
        assertEquals(expected, names);
    }

    @Test
    void gnuTarReadsTheLayer() throws Exception {
        ContentStore store = ContentStore.open(dir.resolve("store"));
        LayerWriter.BuiltLayer layer = new LayerWriter(store).write(sample(), true, null);
        Process tar = new ProcessBuilder("tar", "-tvzf", store.blobPath(layer.digest()).toString())
                .redirectErrorStream(true).start();
        String listing = new String(tar.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, tar.waitFor(), listing);
        assertTrue(listing.contains("file-with-a-long-name.txt"), listing);
        assertTrue(listing.contains("-rwsr-xr-x 0/0"), listing);
        assertTrue(listing.contains("usr/bin/tool2 link to usr/bin/tool"), listing);
    }

    @Test
    void sameContentSameDigests() throws IOException {
        ContentStore a = ContentStore.open(dir.resolve("a"));
        ContentStore b = ContentStore.open(dir.resolve("b"));
        assertEquals(new LayerWriter(a).write(sample(), true, null), new LayerWriter(b).write(sample(), true, null));
        LayerWriter.BuiltLayer plain = new LayerWriter(a).write(sample(), false, null);
        assertEquals(plain.digest(), plain.diffId(), "an uncompressed layer's digest is its diff id");
    }

    @Test
    void readsAHostDirectoryWithHardlinksAndSymlinks() throws IOException {
        Path root = Files.createDirectories(dir.resolve("rootfs"));
        Files.createDirectories(root.resolve("bin"));
        Files.writeString(root.resolve("bin/app"), "binary");
        Files.createLink(root.resolve("bin/app-link"), root.resolve("bin/app"));
        Files.createSymbolicLink(root.resolve("bin/sh"), Path.of("app"));
        Files.writeString(root.resolve("bin/.wh.removed"), "");

        LayerContent content = LayerContent.fromDirectory(root);
        List<String> described = content.stream().map(e -> e.type() + " " + e.path()).toList();
        assertEquals(List.of("DIRECTORY bin", "FILE bin/.wh.removed", "FILE bin/app", "HARDLINK bin/app-link",
                "SYMLINK bin/sh"), described);

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerWriter.writeTar(content, out);
        try (TarArchiveInputStream in = new TarArchiveInputStream(new java.io.ByteArrayInputStream(out.toByteArray()))) {
            in.getNextEntry();
            in.getNextEntry();
            TarArchiveEntry app = in.getNextEntry();
            assertEquals("bin/app", app.getName());
            assertEquals("binary", new String(in.readAllBytes(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void badPathsAreRefusedWithTheirName() {
        IllegalArgumentException dotdot = assertThrows(IllegalArgumentException.class,
                () -> LayerContent.builder().file("../etc/passwd", "x"));
        assertEquals("layer entry '../etc/passwd': '..' is not allowed in a layer path", dotdot.getMessage());
        IllegalArgumentException twice = assertThrows(IllegalArgumentException.class,
                () -> LayerContent.builder().file("a", "x").file("/a", "y"));
        assertEquals("layer entry a is declared twice", twice.getMessage());
        IllegalArgumentException link = assertThrows(IllegalArgumentException.class,
                () -> LayerContent.builder().hardlink("b", "a"));
        assertTrue(link.getMessage().contains("must come earlier"), link.getMessage());
        assertEquals("etc/x", LayerEntry.normalize("/./etc//x/"));
    }
}
