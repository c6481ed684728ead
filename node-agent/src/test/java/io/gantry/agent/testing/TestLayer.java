package io.gantry.agent.testing;

import io.gantry.protocol.oci.Digest;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.zip.GZIPOutputStream;

/**
 * Builds layer tars by hand with commons-compress (an independent writer, so the unpacker is
 * not only tested against Gantry's own tar code). Names are kept verbatim, absolute or not.
 */
public final class TestLayer {
    /** commons-compress writes PAX times with 100 ns precision. */
    public static final Instant MTIME = Instant.parse("2020-01-02T03:04:05.1234567Z");

    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final TarArchiveOutputStream tar;

    public TestLayer() {
        tar = new TarArchiveOutputStream(bytes);
        tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
        tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
        tar.setAddPaxHeadersForNonAsciiNames(true);
    }

    public TestLayer dir(String name, int mode) {
        TarArchiveEntry e = entry(name.endsWith("/") ? name : name + "/", TarArchiveEntry.LF_DIR);
        e.setMode(040000 | mode);
        return add(e, null);
    }

    public TestLayer file(String name, String content, int mode) {
        return file(name, content.getBytes(StandardCharsets.UTF_8), mode);
    }

    public TestLayer file(String name, byte[] content, int mode) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_NORMAL);
        e.setMode(0100000 | mode);
        e.setSize(content.length);
        return add(e, content);
    }

    public TestLayer owned(String name, String content, int mode, int uid, int gid) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_NORMAL);
        e.setMode(0100000 | mode);
        byte[] c = content.getBytes(StandardCharsets.UTF_8);
        e.setSize(c.length);
        e.setUserId(uid);
        e.setGroupId(gid);
        return add(e, c);
    }

    public TestLayer xattrFile(String name, String content, String xattr, String value) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_NORMAL);
        e.setMode(0100644);
        byte[] c = content.getBytes(StandardCharsets.UTF_8);
        e.setSize(c.length);
        e.addPaxHeader("SCHILY.xattr." + xattr, value);
        return add(e, c);
    }

    public TestLayer symlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_SYMLINK);
        e.setLinkName(target);
        e.setMode(0120777);
        return add(e, null);
    }

    public TestLayer hardlink(String name, String target) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_LINK);
        e.setLinkName(target);
        e.setMode(0100644);
        return add(e, null);
    }

    public TestLayer charDevice(String name, int major, int minor, int mode) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_CHR);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        e.setMode(0020000 | mode);
        return add(e, null);
    }

    public TestLayer blockDevice(String name, int major, int minor) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_BLK);
        e.setDevMajor(major);
        e.setDevMinor(minor);
        e.setMode(0060660);
        return add(e, null);
    }

    public TestLayer fifo(String name, int mode) {
        TarArchiveEntry e = entry(name, TarArchiveEntry.LF_FIFO);
        e.setMode(0010000 | mode);
        return add(e, null);
    }

    /** An empty regular file: how whiteouts ({@code .wh.NAME}) appear in OCI layers. */
    public TestLayer whiteout(String name) {
        return file(name, new byte[0], 0);
    }

    private TarArchiveEntry entry(String name, byte type) {
        TarArchiveEntry e = new TarArchiveEntry(name, type, true);
        e.setLastModifiedTime(FileTime.from(MTIME));
        e.setUserId(0);
        e.setGroupId(0);
        return e;
    }

    private TestLayer add(TarArchiveEntry e, byte[] content) {
        try {
            tar.putArchiveEntry(e);
            if (content != null) {
                tar.write(content);
            }
            tar.closeArchiveEntry();
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return this;
    }

    private byte[] finished;

    /** The uncompressed layer tar. */
    public byte[] tar() {
        if (finished == null) {
            try {
                tar.finish();
                tar.close();
            } catch (IOException ex) {
                throw new UncheckedIOException(ex);
            }
            finished = bytes.toByteArray();
        }
        return finished;
    }

    public byte[] gzip() {
        return gzip(tar());
    }

    public static byte[] gzip(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
        return out.toByteArray();
    }

    public Digest diffId() {
        return Digest.sha256(tar());
    }
}
