package io.gantry.agent.unpack;

import com.github.luben.zstd.Zstd;
import io.gantry.agent.posix.Posix;
import io.gantry.agent.testing.TestLayer;
import io.gantry.protocol.oci.Digest;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class LayerUnpackerTest {
    private static final LinkOption NOFOLLOW = LinkOption.NOFOLLOW_LINKS;

    @TempDir
    Path tmp;
    Path layers;
    LayerUnpacker unpacker;

    @BeforeEach
    void setUp() {
        layers = tmp.resolve("layers");
        unpacker = new LayerUnpacker(layers, false, 64 * 1024);
    }

    private UnpackResult unpack(TestLayer layer) throws IOException {
        return unpacker.unpack(layer.diffId(), new ByteArrayInputStream(layer.gzip()));
    }

    private static Map<String, Object> attrs(Path p) throws IOException {
        return Files.readAttributes(p, "unix:*", NOFOLLOW);
    }

    @Test
    void regularFilesDirectoriesSymlinksAndHardlinksKeepTheirMetadata() throws IOException {
        String longName = "deep/" + "x".repeat(120) + "/" + "y".repeat(150) + ".txt";
        TestLayer layer = new TestLayer()
                .dir("etc", 0755)
                .file("etc/hostname.sample", "gantry\n", 0640)
                .dir("tmp", 01777)
                .dir("srv", 02775)
                .file("srv/data", "data", 0600)
                .file("bin/su", "#!/bin/sh\n", 04755)
                .file("bin/wall", "wall", 02755)
                .symlink("bin/sh", "busybox")
                .symlink("etc/weird", "../a//b/")
                .hardlink("etc/hostname.hard", "etc/hostname.sample")
                .file(longName, "long", 0644)
                .fifo("run/fifo", 0620);
        UnpackResult r = unpack(layer);
        assertFalse(r.reused());
        assertEquals(Compression.GZIP, r.compression());
        assertEquals(layer.tar().length, r.uncompressedBytes());
        Path root = r.directory();
        assertEquals(layers.resolve(layer.diffId().hex()), root);

        assertEquals("gantry\n", Files.readString(root.resolve("etc/hostname.sample")));
        assertEquals(0100640, attrs(root.resolve("etc/hostname.sample")).get("mode"));
        assertEquals(041777, attrs(root.resolve("tmp")).get("mode"));
        assertEquals(042775, attrs(root.resolve("srv")).get("mode"));
        assertEquals(0104755, attrs(root.resolve("bin/su")).get("mode"));
        assertEquals(0102755, attrs(root.resolve("bin/wall")).get("mode"));
        assertEquals("busybox", Files.readSymbolicLink(root.resolve("bin/sh")).toString());
        assertEquals("../a//b/", Posix.get().readlink(root.resolve("etc/weird")));
        assertEquals(attrs(root.resolve("etc/hostname.sample")).get("ino"), attrs(root.resolve("etc/hostname.hard")).get("ino"));
        assertEquals(2, attrs(root.resolve("etc/hostname.hard")).get("nlink"));
        assertEquals("long", Files.readString(root.resolve(longName)));
        assertEquals(Posix.S_IFIFO | 0620, (int) attrs(root.resolve("run/fifo")).get("mode"));

        FileTime mtime = FileTime.from(TestLayer.MTIME);
        for (String p : List.of("etc", "etc/hostname.sample", "tmp", "srv", "bin/sh", "run/fifo", longName)) {
            assertEquals(mtime, Files.getLastModifiedTime(root.resolve(p), NOFOLLOW), p);
        }
        assertNoTemporaryLeft();
    }

    @Test
    void ownershipDevicesAndXattrsAsRoot() throws IOException {
        assumeTrue(Posix.get().isRoot(), "ownership, device nodes and trusted/security xattrs need root");
        byte[] capability = {1, 0, 0, 2, 0x20, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        byte[] tar = concat(new TestLayer()
                .owned("home/app/file", "mine", 04750, 1234, 5678)
                .charDevice("dev/null", 1, 3, 0666)
                .blockDevice("dev/loop0", 7, 0)
                .xattrFile("bin/labelled", "x", "user.origin", "gantry")
                .tar(), binaryXattrMember("bin/ping", "security.capability", capability));
        Digest diffId = Digest.sha256(tar);
        Path root = unpacker.unpack(diffId, new ByteArrayInputStream(tar)).directory();

        Map<String, Object> owned = attrs(root.resolve("home/app/file"));
        assertEquals(1234, owned.get("uid"));
        assertEquals(5678, owned.get("gid"));
        assertEquals(0104750, owned.get("mode"), "setuid survives the chown");

        Map<String, Object> dev = attrs(root.resolve("dev/null"));
        assertEquals(Posix.S_IFCHR | 0666, (int) dev.get("mode"));
        assertEquals(1, Posix.major((long) dev.get("rdev")));
        assertEquals(3, Posix.minor((long) dev.get("rdev")));
        Map<String, Object> loop = attrs(root.resolve("dev/loop0"));
        assertEquals(Posix.S_IFBLK, (int) loop.get("mode") & Posix.S_IFMT);
        assertEquals(7, Posix.major((long) loop.get("rdev")));

        assertArrayEquals("gantry".getBytes(StandardCharsets.UTF_8),
                Posix.get().lgetxattr(root.resolve("bin/labelled"), "user.origin"));
        assertArrayEquals(capability, Posix.get().lgetxattr(root.resolve("bin/ping"), "security.capability"),
                "binary xattr values are kept byte for byte");
    }

    @Test
    void whiteoutsBecomeOverlayWhiteoutsAndOpaqueDirectories() throws IOException {
        assumeTrue(Posix.get().isRoot(), "whiteouts are character devices and opaque dirs trusted.* xattrs: root only");
        TestLayer layer = new TestLayer()
                .dir("etc", 0755)
                .whiteout("etc/.wh.passwd")
                .dir("var/cache", 0755)
                .whiteout("var/cache/.wh..wh..opq")
                .file("var/cache/fresh", "new", 0644)
                .whiteout(".wh..wh.plnk")
                .whiteout("implicit/parent/.wh.gone");
        Path root = unpack(layer).directory();

        Map<String, Object> w = attrs(root.resolve("etc/passwd"));
        assertEquals(Posix.S_IFCHR, (int) w.get("mode") & Posix.S_IFMT);
        assertEquals(0L, w.get("rdev"));
        assertFalse(Files.exists(root.resolve("etc/.wh.passwd"), NOFOLLOW));
        assertArrayEquals("y".getBytes(StandardCharsets.US_ASCII),
                Posix.get().lgetxattr(root.resolve("var/cache"), "trusted.overlay.opaque"));
        assertFalse(Files.exists(root.resolve("var/cache/.wh..wh..opq"), NOFOLLOW));
        assertEquals("new", Files.readString(root.resolve("var/cache/fresh")));
        assertFalse(Files.exists(root.resolve(".wh..wh.plnk"), NOFOLLOW));
        assertEquals(Posix.S_IFCHR, (int) attrs(root.resolve("implicit/parent/gone")).get("mode") & Posix.S_IFMT);
    }

    @Test
    void nonAsciiNamesAreKept() throws IOException {
        TestLayer layer = new TestLayer().file("usr/share/café/naïve €.txt", "utf-8", 0644).symlink("lien", "café");
        Path root = unpack(layer).directory();
        assertEquals("utf-8", Files.readString(root.resolve("usr/share/café/naïve €.txt")));
        assertEquals("café", Posix.get().readlink(root.resolve("lien")));
    }

    @Test
    void plainTarAndZstdLayersUnpackToo() throws IOException {
        TestLayer plain = new TestLayer().file("a", "plain", 0644);
        UnpackResult r1 = unpacker.unpack(plain.diffId(), new ByteArrayInputStream(plain.tar()));
        assertEquals(Compression.NONE, r1.compression());
        assertEquals("plain", Files.readString(r1.directory().resolve("a")));

        TestLayer z = new TestLayer().file("b", "zstd", 0644);
        UnpackResult r2 = unpacker.unpack(z.diffId(), new ByteArrayInputStream(Zstd.compress(z.tar())));
        assertEquals(Compression.ZSTD, r2.compression());
        assertEquals("zstd", Files.readString(r2.directory().resolve("b")));
    }

    @Test
    void aSecondUnpackOfTheSameDiffIdReusesTheFirst() throws IOException {
        TestLayer layer = new TestLayer().file("a", "x", 0644);
        assertFalse(unpack(layer).reused());
        assertTrue(unpacker.isUnpacked(layer.diffId()));
        assertTrue(unpack(layer).reused());
        assertEquals(List.of(layer.diffId()), unpacker.list());
    }

    @Test
    void concurrentUnpacksOfOneLayerLeaveOneDirectory() throws Exception {
        TestLayer layer = new TestLayer();
        for (int i = 0; i < 200; i++) {
            layer.file("f/" + i, "content " + i, 0644);
        }
        byte[] gz = layer.gzip();
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CountDownLatch go = new CountDownLatch(1);
            List<Future<UnpackResult>> futures = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                futures.add(pool.submit(() -> {
                    go.await();
                    return unpacker.unpack(layer.diffId(), new ByteArrayInputStream(gz));
                }));
            }
            go.countDown();
            int winners = 0;
            for (Future<UnpackResult> f : futures) {
                if (!f.get().reused()) {
                    winners++;
                }
            }
            assertEquals(1, winners);
        } finally {
            pool.shutdownNow();
        }
        assertEquals("content 199", Files.readString(unpacker.directory(layer.diffId()).resolve("f/199")));
        assertNoTemporaryLeft();
    }

    @Test
    void aWrongDiffIdFailsAndLeavesNothingVisible() throws IOException {
        TestLayer layer = new TestLayer().file("a", "x", 0644);
        Digest wrong = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        DiffIdMismatchException e = assertThrows(DiffIdMismatchException.class,
                () -> unpacker.unpack(wrong, new ByteArrayInputStream(layer.gzip())));
        assertEquals(layer.diffId(), e.actual());
        assertTrue(e.getMessage().contains("layer " + wrong), e.getMessage());
        assertFalse(unpacker.isUnpacked(wrong));
        assertNoTemporaryLeft();
    }

    @Test
    void aTruncatedLayerFailsAndLeavesNothingVisible() throws IOException {
        TestLayer layer = new TestLayer().file("a", "x".repeat(5000), 0644);
        byte[] truncated = java.util.Arrays.copyOf(layer.tar(), 2048);
        assertThrows(EOFException.class,
                () -> unpacker.unpack(layer.diffId(), new ByteArrayInputStream(truncated)));
        assertFalse(unpacker.isUnpacked(layer.diffId()));
        assertNoTemporaryLeft();
    }

    @Test
    void garbageIsNotALayer() {
        byte[] junk = "this is not a tar stream at all".repeat(40).getBytes(StandardCharsets.UTF_8);
        LayerFormatException e = assertThrows(LayerFormatException.class,
                () -> unpacker.unpack(Digest.sha256(junk), new ByteArrayInputStream(junk)));
        assertTrue(e.getMessage().contains("checksum"), e.getMessage());
    }

    @Test
    void theDiffIdCoversBytesAfterTheEndOfArchive() throws IOException {
        TestLayer layer = new TestLayer().file("a", "x", 0644);
        byte[] padded = concat(layer.tar(), new byte[10240]);
        UnpackResult r = unpacker.unpack(Digest.sha256(padded), new ByteArrayInputStream(padded));
        assertEquals(padded.length, r.uncompressedBytes());
    }

    @Test
    void leftoversOfACrashAreRemoved() throws IOException {
        Files.createDirectories(layers.resolve(".tmp-deadbeef/etc"));
        assertEquals(1, unpacker.removeTemporary());
        assertNoTemporaryLeft();
    }

    @Test
    void removeDeletesALayer() throws IOException {
        TestLayer layer = new TestLayer().file("a/b/c", "x", 0644);
        unpack(layer);
        assertTrue(unpacker.remove(layer.diffId()));
        assertFalse(unpacker.isUnpacked(layer.diffId()));
        assertFalse(unpacker.remove(layer.diffId()));
        assertNoTemporaryLeft();
    }

    @Test
    void aBusyboxLayerRuns() throws Exception {
        Path busybox = Path.of("/bin/busybox");
        assumeTrue(Files.isExecutable(busybox), "needs Debian's busybox-static at /bin/busybox");
        TestLayer layer = new TestLayer()
                .dir("bin", 0755)
                .file("bin/busybox", Files.readAllBytes(busybox), 0755)
                .symlink("bin/sh", "busybox")
                .hardlink("bin/true", "bin/busybox");
        Path root = unpack(layer).directory();
        assertEquals(0100755, attrs(root.resolve("bin/busybox")).get("mode"));
        Process p = new ProcessBuilder(root.resolve("bin/true").toString()).start();
        assertEquals(0, p.waitFor());
        Process echo = new ProcessBuilder(root.resolve("bin/sh").toString(), "-c", "echo unpacked").start();
        assertEquals("unpacked\n", new String(echo.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        assertEquals(0, echo.waitFor());
    }

    void assertNoTemporaryLeft() throws IOException {
        if (!Files.exists(layers)) {
            return;
        }
        try (Stream<Path> s = Files.list(layers)) {
            assertEquals(List.of(), s.filter(p -> p.getFileName().toString().startsWith(".")).toList());
        }
    }

    static byte[] concat(byte[] tarWithEnd, byte[] more) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        // strip the end-of-archive zeros of the first tar when appending members
        int end = tarWithEnd.length;
        if (more.length > 0 && more[0] != 0) {
            while (end >= 512 && isZero(tarWithEnd, end - 512)) {
                end -= 512;
            }
        }
        out.write(tarWithEnd, 0, end);
        out.write(more, 0, more.length);
        if (end != tarWithEnd.length) {
            out.write(new byte[1024], 0, 1024);
        }
        return out.toByteArray();
    }

    private static boolean isZero(byte[] b, int off) {
        for (int i = off; i < off + 512; i++) {
            if (b[i] != 0) {
                return false;
            }
        }
        return true;
    }

    /** A PAX member whose xattr value is binary (not UTF-8): written by hand, byte for byte. */
    static byte[] binaryXattrMember(String name, String xattr, byte[] value) {
        byte[] key = ("SCHILY.xattr." + xattr + "=").getBytes(StandardCharsets.UTF_8);
        int bodyLen = 1 + key.length + value.length + 1; // ' ' key= value '\n'
        int len = bodyLen + String.valueOf(bodyLen).length();
        if (String.valueOf(len).length() != String.valueOf(bodyLen).length()) {
            len++;
        }
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        rec.writeBytes((len + " ").getBytes(StandardCharsets.US_ASCII));
        rec.writeBytes(key);
        rec.writeBytes(value);
        rec.write('\n');
        byte[] pax = rec.toByteArray();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(header("PaxHeaders/" + name, 'x', pax.length, 0644));
        out.writeBytes(pad(pax));
        out.writeBytes(header(name, '0', 1, 0755));
        out.writeBytes(pad(new byte[]{'p'}));
        return out.toByteArray();
    }

    static byte[] header(String name, char type, long size, int mode) {
        byte[] h = new byte[512];
        put(h, 0, name.getBytes(StandardCharsets.UTF_8));
        put(h, 100, octal(mode, 8));
        put(h, 108, octal(0, 8));
        put(h, 116, octal(0, 8));
        put(h, 124, octal(size, 12));
        put(h, 136, octal(1_600_000_000L, 12));
        h[156] = (byte) type;
        put(h, 257, "ustar\0".getBytes(StandardCharsets.US_ASCII));
        put(h, 263, "00".getBytes(StandardCharsets.US_ASCII));
        for (int i = 148; i < 156; i++) {
            h[i] = ' ';
        }
        long sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, octal(sum, 7));
        return h;
    }

    private static byte[] octal(long v, int width) {
        String s = Long.toOctalString(v);
        s = "0".repeat(width - 1 - s.length()) + s;
        byte[] out = new byte[width];
        put(out, 0, s.getBytes(StandardCharsets.US_ASCII));
        return out;
    }

    private static void put(byte[] dst, int off, byte[] src) {
        System.arraycopy(src, 0, dst, off, Math.min(src.length, dst.length - off));
    }

    private static byte[] pad(byte[] data) {
        int padded = (data.length + 511) / 512 * 512;
        return java.util.Arrays.copyOf(data, padded);
    }

    @SuppressWarnings("unused")
    private static InputStream stream(byte[] b) {
        return new ByteArrayInputStream(b);
    }
}
