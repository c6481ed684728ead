package io.gantry.agent.unpack;

import io.gantry.agent.posix.Posix;
import io.gantry.agent.posix.PosixException;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes the members of one layer tar into a fresh, private directory, converting OCI whiteouts
 * to the overlayfs form. This class is the security boundary of image pulls.
 *
 * <h2>Why nothing can escape the root</h2>
 * <ul>
 *   <li>Names are split into components; absolute names and {@code ..} are refused, never
 *       "cleaned" into something else.</li>
 *   <li>Every directory of a name's parent chain must be a real directory that this extractor
 *       created (tracked in {@link #dirs}); a prefix that is anything else on disk -- a symlink
 *       from earlier in the same layer above all -- is refused. Because the root is a new
 *       directory no other writer touches, the in-memory record is the truth and the common case
 *       needs no lstat per component.</li>
 *   <li>The last component is never followed: regular files are created with
 *       O_CREAT|O_EXCL|O_NOFOLLOW (an existing entry is deleted first, without following it),
 *       metadata is set through the new file's descriptor or with lchown/utimensat
 *       (AT_SYMLINK_NOFOLLOW), and chmod(2) is used only on nodes this extractor just made.</li>
 *   <li>Hard link targets are resolved by the same rules and must already exist in this layer;
 *       link(2) does not follow a symlink target.</li>
 *   <li>Whiteouts and opaque markers resolve their directory by the same rules, so they cannot
 *       act through a symlink. Overlay's own {@code trusted.overlay.*} attributes may not come
 *       from a layer, since they steer what overlayfs shows.</li>
 *   <li>Device nodes need root; without it a device entry is refused.</li>
 * </ul>
 *
 * <p>Directory modes and mtimes are applied by {@link #finish()}, deepest first, after their
 * content was written (writing into a directory changes its mtime; a 0555 directory would stop
 * an unprivileged writer).
 */
final class LayerExtractor {
    static final String WHITEOUT_PREFIX = ".wh.";
    static final String WHITEOUT_META_PREFIX = ".wh..wh.";
    static final String OPAQUE_MARKER = ".wh..wh..opq";
    static final String OVERLAY_OPAQUE_XATTR = "trusted.overlay.opaque";
    private static final byte[] OPAQUE_VALUE = "y".getBytes(StandardCharsets.US_ASCII);

    private record DirMeta(int mode, long mtimeSeconds, int mtimeNanos) {
    }

    /** A directory this extractor created (or found) without metadata from the archive. */
    private static final DirMeta IMPLICIT = new DirMeta(-1, 0, 0);

    private final Path root;
    private final String layer;
    private final Posix posix;
    private final boolean privileged;
    private final int euid;
    private final int egid;
    private final ByteBuffer direct;
    /** Relative path ("" is the root) of every real directory in the tree. */
    private final Map<String, DirMeta> dirs = new HashMap<>();
    private long entries;

    LayerExtractor(Path root, String layer, Posix posix, int bufferSize, boolean privileged) {
        this.root = root;
        this.layer = layer;
        this.posix = posix;
        this.privileged = privileged && posix.isRoot();
        this.euid = posix.geteuid();
        this.egid = posix.getegid();
        this.direct = ByteBuffer.allocateDirect(bufferSize);
        dirs.put("", IMPLICIT);
    }

    long entries() {
        return entries;
    }

    void apply(TarEntry e, TarReader reader) throws IOException {
        entries++;
        String rel = normalize(e.name(), e.name());
        try {
            applyResolved(e, rel, reader);
        } catch (LayerFormatException ex) {
            throw ex;
        } catch (java.io.EOFException ex) {
            java.io.EOFException wrapped = new java.io.EOFException("layer " + layer + ": entry '" + e.name() + "': "
                    + ex.getMessage());
            wrapped.initCause(ex);
            throw wrapped;
        } catch (IOException ex) {
            throw new IOException("layer " + layer + ": entry '" + e.name() + "': " + ex.getMessage(), ex);
        } catch (java.nio.file.InvalidPathException ex) {
            // The JVM encodes file names with sun.jnu.encoding, taken from the locale at start.
            throw new LayerFormatException("layer " + layer + ": entry '" + e.name() + "': the name cannot be"
                    + " encoded as a file name with sun.jnu.encoding=" + System.getProperty("sun.jnu.encoding")
                    + "; run the agent with a UTF-8 locale (LC_ALL=C.UTF-8)", ex);
        }
    }

    private void applyResolved(TarEntry e, String rel, TarReader reader) throws IOException {
        int slash = rel.lastIndexOf('/');
        String parentRel = slash < 0 ? "" : rel.substring(0, slash);
        String base = slash < 0 ? rel : rel.substring(slash + 1);
        if (rel.isEmpty()) {
            if (e.type() != TarEntry.Type.DIRECTORY) {
                throw unsafe(e, "the layer root can only be a directory");
            }
            directory(e, rel);
            return;
        }
        if (base.startsWith(WHITEOUT_PREFIX)) {
            whiteout(e, parentRel, base);
            return;
        }
        for (String name : e.xattrs().keySet()) {
            if (name.startsWith("trusted.overlay.")) {
                throw unsafe(e, "sets overlayfs' private attribute '" + name + "'");
            }
        }
        ensureDirectory(parentRel, e);
        Path target = root.resolve(rel);
        switch (e.type()) {
            case DIRECTORY -> directory(e, rel);
            case REGULAR -> regular(e, rel, target, reader);
            case HARDLINK -> hardlink(e, rel, target);
            case SYMLINK -> {
                removeExisting(rel, target);
                posix.symlink(e.linkName(), target);
                if (needsChown(e)) {
                    posix.lchown(target, e.uid(), e.gid());
                }
                setXattrs(e, target);
                posix.lutimes(target, e.mtimeSeconds(), e.mtimeNanos());
            }
            case CHAR_DEVICE, BLOCK_DEVICE, FIFO -> special(e, rel, target);
        }
    }

    private void directory(TarEntry e, String rel) throws IOException {
        Path target = root.resolve(rel);
        if (!dirs.containsKey(rel)) {
            removeExisting(rel, target);
            Files.createDirectory(target);
        }
        if (needsChown(e)) {
            posix.lchown(target, e.uid(), e.gid());
        }
        setXattrs(e, target);
        dirs.put(rel, new DirMeta(e.mode(), e.mtimeSeconds(), e.mtimeNanos()));
    }

    private void regular(TarEntry e, String rel, Path target, TarReader reader) throws IOException {
        String subject = e.name();
        int created;
        try {
            created = posix.createExclusive(target, 0600);
        } catch (PosixException ex) {
            if (ex.errno() != Posix.EEXIST) {
                throw ex;
            }
            removeExisting(rel, target);
            created = posix.createExclusive(target, 0600);
        }
        final int fd = created;
        try {
            reader.copyContent((buf, off, len) -> {
                while (len > 0) {
                    int n = Math.min(len, direct.capacity());
                    direct.clear();
                    direct.put(buf, off, n).flip();
                    posix.writeFully(fd, direct, subject);
                    off += n;
                    len -= n;
                }
            });
            // chown first: it clears setuid/setgid bits and file capabilities.
            if (needsChown(e)) {
                posix.fchown(fd, e.uid(), e.gid(), subject);
            }
            posix.fchmod(fd, e.mode(), subject);
            for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
                if (mayApply(x.getKey())) {
                    posix.fsetxattr(fd, x.getKey(), x.getValue(), subject);
                }
            }
            posix.futimes(fd, e.mtimeSeconds(), e.mtimeNanos(), subject);
        } finally {
            posix.close(fd);
        }
    }

    private void hardlink(TarEntry e, String rel, Path target) throws IOException {
        String targetRel = normalize(e.linkName(), e.name());
        if (targetRel.isEmpty()) {
            throw unsafe(e, "hard link to the layer root");
        }
        int slash = targetRel.lastIndexOf('/');
        String targetParent = slash < 0 ? "" : targetRel.substring(0, slash);
        checkExistingDirectory(targetParent, e, "hard link target '" + e.linkName() + "'");
        Path source = root.resolve(targetRel);
        BasicFileAttributes a = lstat(source);
        if (a == null) {
            throw unsafe(e, "hard link target '" + e.linkName() + "' is not in this layer");
        }
        if (a.isDirectory()) {
            throw unsafe(e, "hard link to directory '" + e.linkName() + "'");
        }
        if (targetRel.equals(rel)) {
            return;
        }
        removeExisting(rel, target);
        Files.createLink(target, source);
    }

    private void special(TarEntry e, String rel, Path target) throws IOException {
        int typeBits;
        if (e.type() == TarEntry.Type.FIFO) {
            typeBits = Posix.S_IFIFO;
        } else {
            if (!privileged) {
                throw unsafe(e, "device nodes can only be created as root");
            }
            typeBits = e.type() == TarEntry.Type.CHAR_DEVICE ? Posix.S_IFCHR : Posix.S_IFBLK;
        }
        removeExisting(rel, target);
        posix.mknod(target, typeBits | (e.mode() & 0777), e.devMajor(), e.devMinor());
        if (needsChown(e)) {
            posix.lchown(target, e.uid(), e.gid());
        }
        posix.chmodNoSymlink(target, e.mode()); // just created by mknod: not a symlink
        setXattrs(e, target);
        posix.lutimes(target, e.mtimeSeconds(), e.mtimeNanos());
    }

    private void whiteout(TarEntry e, String parentRel, String base) throws IOException {
        if (base.equals(OPAQUE_MARKER)) {
            Path dir = ensureDirectory(parentRel, e);
            if (!privileged) {
                throw unsafe(e, "opaque directories need root (trusted.overlay.opaque)");
            }
            posix.lsetxattr(dir, OVERLAY_OPAQUE_XATTR, OPAQUE_VALUE);
            return;
        }
        if (base.startsWith(WHITEOUT_META_PREFIX)) {
            return; // aufs bookkeeping (.wh..wh.plnk, .wh..wh.aufs): meaningless outside aufs; Docker skips it too
        }
        String name = base.substring(WHITEOUT_PREFIX.length());
        if (name.isEmpty() || name.equals(".") || name.equals("..")) {
            throw unsafe(e, "malformed whiteout");
        }
        Path dir = ensureDirectory(parentRel, e);
        if (!privileged) {
            throw unsafe(e, "whiteouts need root (character device 0/0)");
        }
        String victimRel = parentRel.isEmpty() ? name : parentRel + "/" + name;
        Path victim = dir.resolve(name);
        removeExisting(victimRel, victim);
        posix.mknod(victim, Posix.S_IFCHR, 0, 0);
    }

    /**
     * Makes sure {@code rel} is a real directory, creating missing ones (as tar does for members
     * whose parents are not listed), refusing a symlink or any other non-directory in the chain.
     */
    private Path ensureDirectory(String rel, TarEntry e) throws IOException {
        if (dirs.containsKey(rel)) {
            return root.resolve(rel);
        }
        int from = 0;
        while (true) {
            int slash = rel.indexOf('/', from);
            String prefix = slash < 0 ? rel : rel.substring(0, slash);
            if (!dirs.containsKey(prefix)) {
                Path p = root.resolve(prefix);
                BasicFileAttributes a = lstat(p);
                if (a == null) {
                    Files.createDirectory(p);
                } else if (a.isSymbolicLink()) {
                    throw unsafe(e, "path goes through symlink '" + prefix + "'");
                } else if (!a.isDirectory()) {
                    throw unsafe(e, "path goes through '" + prefix + "', which is not a directory");
                }
                dirs.put(prefix, IMPLICIT);
            }
            if (slash < 0) {
                return root.resolve(rel);
            }
            from = slash + 1;
        }
    }

    /** Like {@link #ensureDirectory} but creates nothing: for hard link targets, which must exist. */
    private void checkExistingDirectory(String rel, TarEntry e, String what) throws IOException {
        if (dirs.containsKey(rel)) {
            return;
        }
        int from = 0;
        while (true) {
            int slash = rel.indexOf('/', from);
            String prefix = slash < 0 ? rel : rel.substring(0, slash);
            if (!dirs.containsKey(prefix)) {
                BasicFileAttributes a = lstat(root.resolve(prefix));
                if (a == null) {
                    throw unsafe(e, what + " is not in this layer");
                } else if (a.isSymbolicLink()) {
                    throw unsafe(e, what + " goes through symlink '" + prefix + "'");
                } else if (!a.isDirectory()) {
                    throw unsafe(e, what + " goes through '" + prefix + "', which is not a directory");
                }
            }
            if (slash < 0) {
                return;
            }
            from = slash + 1;
        }
    }

    /** Deletes whatever is at {@code target} without following symlinks (a directory recursively). */
    private void removeExisting(String rel, Path target) throws IOException {
        BasicFileAttributes a = lstat(target);
        if (a == null) {
            return;
        }
        if (a.isDirectory()) {
            deleteTree(target);
            dirs.remove(rel);
            String prefix = rel + "/";
            dirs.keySet().removeIf(k -> k.startsWith(prefix));
        } else {
            Files.delete(target);
        }
    }

    /** Applies directory modes and times, deepest first. */
    void finish() throws IOException {
        List<Map.Entry<String, DirMeta>> list = new ArrayList<>(dirs.entrySet());
        list.removeIf(en -> en.getValue() == IMPLICIT);
        list.sort(Comparator.comparingInt((Map.Entry<String, DirMeta> en) -> depth(en.getKey())).reversed());
        for (Map.Entry<String, DirMeta> en : list) {
            Path p = root.resolve(en.getKey());
            DirMeta m = en.getValue();
            posix.chmodNoSymlink(p, m.mode()); // a directory this extractor made
            posix.lutimes(p, m.mtimeSeconds(), m.mtimeNanos());
        }
    }

    private static int depth(String rel) {
        if (rel.isEmpty()) {
            return 0;
        }
        int d = 1;
        for (int i = 0; i < rel.length(); i++) {
            if (rel.charAt(i) == '/') {
                d++;
            }
        }
        return d;
    }

    private boolean needsChown(TarEntry e) {
        return privileged && (e.uid() != euid || e.gid() != egid);
    }

    /** Unprivileged, only user.* attributes can be set (like tar without privileges). */
    private boolean mayApply(String xattr) {
        return privileged || xattr.startsWith("user.");
    }

    private void setXattrs(TarEntry e, Path target) throws IOException {
        for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
            if (mayApply(x.getKey())) {
                posix.lsetxattr(target, x.getKey(), x.getValue());
            }
        }
    }

    /** Splits a member name into clean components; refuses absolute names, NUL and "..". */
    private String normalize(String name, String entry) throws UnsafeLayerEntryException {
        if (name.isEmpty()) {
            throw new UnsafeLayerEntryException(layer, entry, "empty name");
        }
        if (name.indexOf('\0') >= 0) {
            throw new UnsafeLayerEntryException(layer, entry, "name contains NUL");
        }
        if (name.charAt(0) == '/') {
            throw new UnsafeLayerEntryException(layer, entry, "absolute name '" + name + "'");
        }
        StringBuilder out = new StringBuilder(name.length());
        int from = 0;
        while (from <= name.length()) {
            int slash = name.indexOf('/', from);
            int end = slash < 0 ? name.length() : slash;
            int len = end - from;
            if (len == 2 && name.charAt(from) == '.' && name.charAt(from + 1) == '.') {
                throw new UnsafeLayerEntryException(layer, entry, "'..' in '" + name + "'");
            }
            if (len > 0 && !(len == 1 && name.charAt(from) == '.')) {
                if (out.length() > 0) {
                    out.append('/');
                }
                out.append(name, from, end);
            }
            if (slash < 0) {
                break;
            }
            from = slash + 1;
        }
        return out.toString();
    }

    private UnsafeLayerEntryException unsafe(TarEntry e, String reason) {
        return new UnsafeLayerEntryException(layer, e.name(), reason);
    }

    static BasicFileAttributes lstat(Path p) throws IOException {
        return io.gantry.agent.posix.FileTrees.lstat(p);
    }

    static void deleteTree(Path dir) throws IOException {
        io.gantry.agent.posix.FileTrees.deleteTree(dir);
    }
}
