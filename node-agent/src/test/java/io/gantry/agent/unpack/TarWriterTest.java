package io.gantry.agent.unpack;

import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class TarWriterTest {
    @Test
    void entriesRoundTripThroughTheReaderAndCommonsCompress() throws IOException {
        byte[] capability = {1, 0, 0, 2, (byte) 0xff, (byte) 0x80, 0, 0};
        String longName = "usr/share/" + "very-long-directory-name/".repeat(8) + "file.txt";
        List<TarEntry> entries = List.of(
                new TarEntry(TarEntry.Type.DIRECTORY, "etc", "", 0755, 0, 0, 0, 1_600_000_000L, 0, 0, 0, Map.of()),
                new TarEntry(TarEntry.Type.REGULAR, "etc/motd", "", 04755, 1000, 70000000, 5, 1_600_000_001L, 0, 0, 0,
                        Map.of("security.capability", capability, "user.note", "hé".getBytes(StandardCharsets.UTF_8))),
                new TarEntry(TarEntry.Type.REGULAR, longName, "", 0644, 0, 0, 3, 1, 0, 0, 0, Map.of()),
                new TarEntry(TarEntry.Type.SYMLINK, "etc/café", "../" + "x".repeat(120), 0777, 0, 0, 0, 2, 0, 0, 0, Map.of()),
                new TarEntry(TarEntry.Type.HARDLINK, "etc/motd.hard", "etc/motd", 0644, 0, 0, 0, 3, 0, 0, 0, Map.of()),
                new TarEntry(TarEntry.Type.CHAR_DEVICE, "dev/null", "", 0666, 0, 0, 0, 4, 0, 1, 3, Map.of()),
                new TarEntry(TarEntry.Type.BLOCK_DEVICE, "dev/big", "", 0660, 0, 0, 0, 5, 0, 259, 70000, Map.of()),
                new TarEntry(TarEntry.Type.FIFO, "run/fifo", "", 0600, 0, 0, 0, 6, 0, 0, 0, Map.of()));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarWriter w = new TarWriter(out);
        for (TarEntry e : entries) {
            byte[] content = e.type() == TarEntry.Type.REGULAR ? "x".repeat((int) e.size()).getBytes(StandardCharsets.UTF_8) : null;
            w.write(e, content == null ? null : new ByteArrayInputStream(content));
        }
        w.finish();
        byte[] tar = out.toByteArray();

        TarReader r = new TarReader(new ByteArrayInputStream(tar), null, 4096);
        List<TarEntry> read = new ArrayList<>();
        for (TarEntry e; (e = r.next()) != null; ) {
            ByteArrayOutputStream content = new ByteArrayOutputStream();
            r.copyContent(content::write);
            assertEquals(e.type() == TarEntry.Type.REGULAR ? e.size() : 0, content.size());
            read.add(e);
        }
        assertEquals(entries.size(), read.size());
        for (int i = 0; i < entries.size(); i++) {
            TarEntry a = entries.get(i);
            TarEntry b = read.get(i);
            String expectedName = a.type() == TarEntry.Type.DIRECTORY ? a.name() + "/" : a.name();
            assertEquals(expectedName, b.name());
            assertEquals(a.type(), b.type());
            assertEquals(a.linkName(), b.linkName());
            assertEquals(a.mode(), b.mode());
            assertEquals(a.uid(), b.uid());
            assertEquals(a.gid(), b.gid());
            assertEquals(a.mtimeSeconds(), b.mtimeSeconds());
            assertEquals(a.devMajor(), b.devMajor());
            assertEquals(a.devMinor(), b.devMinor());
            assertEquals(a.xattrs().keySet(), b.xattrs().keySet());
            for (String k : a.xattrs().keySet()) {
                assertArrayEquals(a.xattrs().get(k), b.xattrs().get(k), k);
            }
        }

        // an independent reader agrees on names, types and link targets
        try (var cc = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(new ByteArrayInputStream(tar))) {
            List<String> names = new ArrayList<>();
            for (var e = cc.getNextEntry(); e != null; e = cc.getNextEntry()) {
                names.add(e.getName() + (e.isSymbolicLink() || e.isLink() ? " -> " + e.getLinkName() : ""));
            }
            assertEquals(List.of("etc/", "etc/motd", longName, "etc/café -> ../" + "x".repeat(120),
                    "etc/motd.hard -> etc/motd", "dev/null", "dev/big", "run/fifo"), names);
        }
    }

    @Test
    void corruptHeadersAndHostileRecordsAreRefused() {
        byte[] header = LayerUnpackerTest.header("a", '0', 0, 0644);
        header[0] = 'b'; // checksum no longer matches
        LayerFormatException bad = assertThrows(LayerFormatException.class,
                () -> new TarReader(new ByteArrayInputStream(header), null, 512).next());
        assertTrue(bad.getMessage().contains("checksum"), bad.getMessage());

        byte[] huge = LayerUnpackerTest.header("PaxHeaders/a", 'x', 64L << 20, 0644);
        LayerFormatException big = assertThrows(LayerFormatException.class,
                () -> new TarReader(new ByteArrayInputStream(huge), null, 512).next());
        assertTrue(big.getMessage().contains("1 MiB limit"), big.getMessage());

        byte[] sparse = LayerUnpackerTest.header("a", 'S', 0, 0644);
        LayerFormatException s = assertThrows(LayerFormatException.class,
                () -> new TarReader(new ByteArrayInputStream(sparse), null, 512).next());
        assertTrue(s.getMessage().contains("sparse"), s.getMessage());
    }
}
