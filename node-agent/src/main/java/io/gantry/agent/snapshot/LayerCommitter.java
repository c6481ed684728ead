package io.gantry.agent.snapshot;

import io.gantry.agent.posix.FileTrees;
import io.gantry.agent.posix.Posix;
import io.gantry.agent.unpack.TarEntry;
import io.gantry.agent.unpack.TarWriter;
import io.gantry.protocol.oci.Digest;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/**
 * Turns a {@link ChangeSet} into an OCI layer tar: added and changed paths with their content
 * and metadata, deletions as {@code .wh.NAME} entries and opaque directories as
 * {@code DIR/.wh..wh..opq} (the overlay forms converted back). Hard links within the layer are
 * written once and linked after. The layer is written as a stream (gzip, or uncompressed) and
 * both digests are computed on the way; the image config, history and manifest side of a commit
 * belongs to the image builder, which takes the {@link CommittedLayer}.
 */
public final class LayerCommitter {
    private LayerCommitter() {
    }

    /** Writes the layer gzip-compressed to {@code blob}; returns its diff id and blob digest. */
    public static CommittedLayer writeGzip(ChangeSet changes, OutputStream blob) throws IOException {
        MessageDigest blobDigest = Digest.messageDigest("sha256");
        CountingOutputStream counted = new CountingOutputStream(new DigestOutputStream(blob, blobDigest));
        GZIPOutputStream gz = new GZIPOutputStream(counted, 256 * 1024) {
            {
                def.setLevel(Deflater.BEST_SPEED);
            }
        };
        long[] tarSize = new long[1];
        Digest diffId = writeTar(changes, gz, tarSize);
        gz.finish();
        gz.flush();
        return new CommittedLayer(diffId, Digest.from("sha256", blobDigest), counted.count, tarSize[0],
                CommittedLayer.OCI_LAYER_GZIP);
    }

    /** Writes the uncompressed layer tar to {@code out}; returns its diff id. */
    public static Digest writeTar(ChangeSet changes, OutputStream out) throws IOException {
        return writeTar(changes, out, new long[1]);
    }

    private static Digest writeTar(ChangeSet changes, OutputStream out, long[] size) throws IOException {
        MessageDigest md = Digest.messageDigest("sha256");
        CountingOutputStream counted = new CountingOutputStream(new DigestOutputStream(out, md));
        BufferedOutputStream buffered = new BufferedOutputStream(counted, 256 * 1024);
        TarWriter tar = new TarWriter(buffered);
        Posix posix = Posix.get();
        Map<Object, String> written = new HashMap<>();
        List<String> covered = new ArrayList<>(); // opaque or deleted directories: nothing below needs a whiteout
        for (Change c : changes.changes()) {
            String rel = c.path().substring(1);
            if (isBelowAny(rel, covered)) {
                if (c.kind() == Change.Kind.DELETED) {
                    continue;
                }
            }
            if (c.kind() == Change.Kind.DELETED) {
                int slash = rel.lastIndexOf('/');
                String wh = (slash < 0 ? "" : rel.substring(0, slash + 1)) + ".wh." + rel.substring(slash + 1);
                tar.write(marker(wh), null);
                covered.add(rel);
                continue;
            }
            writeNode(tar, rel, c.source(), posix, written);
            if (c.opaque()) {
                tar.write(marker(rel + "/.wh..wh..opq"), null);
                covered.add(rel);
            }
        }
        tar.finish();
        buffered.flush();
        size[0] = counted.count;
        return Digest.from("sha256", md);
    }

    private static TarEntry marker(String name) {
        return new TarEntry(TarEntry.Type.REGULAR, name, "", 0, 0, 0, 0, 0, 0, 0, 0, Map.of());
    }

    private static void writeNode(TarWriter tar, String rel, Path source, Posix posix, Map<Object, String> written)
            throws IOException {
        Map<String, Object> a = FileTrees.unixAttributes(source);
        if (a == null) {
            throw new IOException("'" + rel + "' disappeared from the writable layer while committing it");
        }
        int mode = (int) a.get("mode");
        int type = mode & Posix.S_IFMT;
        long mtime = ((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond();
        int uid = (int) a.get("uid");
        int gid = (int) a.get("gid");
        Map<String, byte[]> xattrs = new java.util.TreeMap<>();
        for (String name : posix.llistxattr(source)) {
            if (!name.startsWith("trusted.overlay.")) {
                byte[] v = posix.lgetxattr(source, name);
                if (v != null) {
                    xattrs.put(name, v);
                }
            }
        }
        long rdev = (long) a.get("rdev");
        switch (type) {
            case Posix.S_IFDIR -> tar.write(new TarEntry(TarEntry.Type.DIRECTORY, rel, "", mode, uid, gid, 0, mtime, 0,
                    0, 0, xattrs), null);
            case Posix.S_IFLNK -> tar.write(new TarEntry(TarEntry.Type.SYMLINK, rel, posix.readlink(source), mode, uid,
                    gid, 0, mtime, 0, 0, 0, xattrs), null);
            case Posix.S_IFREG -> {
                Object key = (int) a.get("nlink") > 1 ? List.of(a.get("dev"), a.get("ino")) : null;
                if (key != null && written.containsKey(key)) {
                    tar.write(new TarEntry(TarEntry.Type.HARDLINK, rel, written.get(key), mode, uid, gid, 0, mtime, 0,
                            0, 0, Map.of()), null);
                    return;
                }
                long size = (long) a.get("size");
                try (InputStream in = Files.newInputStream(source, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    tar.write(new TarEntry(TarEntry.Type.REGULAR, rel, "", mode, uid, gid, size, mtime, 0, 0, 0, xattrs), in);
                }
                if (key != null) {
                    written.put(key, rel);
                }
            }
            case Posix.S_IFCHR, Posix.S_IFBLK, Posix.S_IFIFO -> tar.write(new TarEntry(
                    type == Posix.S_IFCHR ? TarEntry.Type.CHAR_DEVICE
                            : type == Posix.S_IFBLK ? TarEntry.Type.BLOCK_DEVICE : TarEntry.Type.FIFO,
                    rel, "", mode, uid, gid, 0, mtime, 0, Posix.major(rdev), Posix.minor(rdev), xattrs), null);
            default -> throw new IOException("'" + rel + "' has a file type a layer cannot hold (0"
                    + Integer.toOctalString(type) + ")");
        }
    }

    private static boolean isBelowAny(String rel, List<String> dirs) {
        for (String d : dirs) {
            if (rel.startsWith(d + "/")) {
                return true;
            }
        }
        return false;
    }

    private static final class CountingOutputStream extends FilterOutputStream {
        long count;

        CountingOutputStream(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }
    }
}
