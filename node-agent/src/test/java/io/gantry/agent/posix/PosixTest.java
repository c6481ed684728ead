package io.gantry.agent.posix;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

class PosixTest {
    private final Posix posix = Posix.get();

    @TempDir
    Path dir;

    @Test
    void createExclusiveRefusesAnExistingSymlinkAndWritesThroughTheDescriptor() throws Exception {
        Path outside = dir.resolve("outside");
        Files.writeString(outside, "keep");
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, outside);

        PosixException e = assertThrows(PosixException.class, () -> posix.createExclusive(link, 0644));
        assertEquals(Posix.EEXIST, e.errno());
        assertTrue(e.getMessage().contains("open(" + link + ")"), e.getMessage());
        assertEquals("keep", Files.readString(outside));

        Path file = dir.resolve("file");
        int fd = posix.createExclusive(file, 0600);
        try {
            ByteBuffer buf = ByteBuffer.allocateDirect(16);
            buf.put("hello".getBytes(StandardCharsets.UTF_8)).flip();
            posix.writeFully(fd, buf, file.toString());
            posix.fchmod(fd, 04755, file.toString());
            posix.futimes(fd, 1_000_000_000L, 123_456_789, file.toString());
        } finally {
            posix.close(fd);
        }
        assertEquals("hello", Files.readString(file));
        Map<String, Object> attrs = Files.readAttributes(file, "unix:mode,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
        assertEquals(0104755, attrs.get("mode"));
        assertEquals(FileTime.from(java.time.Instant.ofEpochSecond(1_000_000_000L, 123_456_789)), attrs.get("lastModifiedTime"));
    }

    @Test
    void symlinkTimesAreSetOnTheLinkItself() throws Exception {
        Path target = dir.resolve("target");
        Files.writeString(target, "x");
        FileTime before = Files.getLastModifiedTime(target);
        Path link = dir.resolve("link");
        Files.createSymbolicLink(link, target);
        posix.lutimes(link, 86400, 5);
        assertEquals(86400, Files.getLastModifiedTime(link, LinkOption.NOFOLLOW_LINKS).toInstant().getEpochSecond());
        assertEquals(before, Files.getLastModifiedTime(target));
    }

    @Test
    void xattrsRoundTrip() throws Exception {
        Path file = Files.writeString(dir.resolve("f"), "x");
        byte[] binary = {0, 1, (byte) 0xff, (byte) 0x80, 2};
        posix.lsetxattr(file, "user.gantry", binary);
        assertArrayEquals(binary, posix.lgetxattr(file, "user.gantry"));
        assertNull(posix.lgetxattr(file, "user.absent"));
        assertTrue(posix.llistxattr(file).contains("user.gantry"));
    }

    @Test
    void errorsCarryTheErrnoText() {
        PosixException e = assertThrows(PosixException.class,
                () -> posix.lchown(dir.resolve("missing"), 0, 0));
        assertEquals(Posix.ENOENT, e.errno());
        assertTrue(e.getMessage().contains("No such file or directory"), e.getMessage());
    }

    @Test
    void renameNoReplaceKeepsTheFirstWinner() throws Exception {
        Path a = Files.createDirectory(dir.resolve("a"));
        Files.writeString(a.resolve("x"), "a");
        Path b = Files.createDirectory(dir.resolve("b"));
        Path target = dir.resolve("t");
        assertTrue(posix.renameNoReplace(a, target));
        assertFalse(posix.renameNoReplace(b, target));
        assertEquals("a", Files.readString(target.resolve("x")));
    }

    @Test
    void devicesAndMountsAsRoot() throws Exception {
        assumeTrue(posix.isRoot(), "mknod of a device and mount(2) need root");
        Path whiteout = dir.resolve("wh");
        posix.mknod(whiteout, Posix.S_IFCHR | 0, 0, 0);
        Map<String, Object> attrs = Files.readAttributes(whiteout, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
        assertEquals(Posix.S_IFCHR, (int) attrs.get("mode") & Posix.S_IFMT);
        assertEquals(0L, attrs.get("rdev"));

        Path dev = dir.resolve("null");
        posix.mknod(dev, Posix.S_IFCHR | 0666, 1, 3);
        long rdev = (long) Files.getAttribute(dev, "unix:rdev", LinkOption.NOFOLLOW_LINKS);
        assertEquals(1, Posix.major(rdev));
        assertEquals(3, Posix.minor(rdev));
        assertEquals(Posix.makedev(259, 70000), Posix.makedev(Posix.major(Posix.makedev(259, 70000)),
                Posix.minor(Posix.makedev(259, 70000))));

        Path mnt = Files.createDirectory(dir.resolve("mnt"));
        posix.mount("tmpfs", mnt, "tmpfs", Posix.MS_NOSUID, "size=1m");
        try {
            Files.writeString(mnt.resolve("in-tmpfs"), "x");
        } finally {
            assertEquals(0, posix.umount2(mnt, 0));
        }
        assertFalse(Files.exists(mnt.resolve("in-tmpfs")));
        assertEquals(Posix.EINVAL, posix.umount2(mnt, Posix.MNT_DETACH));
    }
}
