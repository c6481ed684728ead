package io.gantry.agent.posix;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Runtime;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The system calls the node agent makes, with their return codes checked: every failure is a
 * {@link PosixException} that names the call, its subject and the errno text. jnr-posix serves
 * what it has (lchown, chmod, geteuid); {@link LibC} (jnr-ffi) the rest. Path-based calls that
 * take a flag never follow a symlink in the last component unless the method name says so.
 */
public final class Posix {
    // mount(2) flags
    public static final long MS_RDONLY = 1;
    public static final long MS_NOSUID = 2;
    public static final long MS_NODEV = 4;
    public static final long MS_NOEXEC = 8;
    public static final long MS_REMOUNT = 32;
    public static final long MS_BIND = 4096;
    public static final long MS_REC = 16384;
    public static final long MS_PRIVATE = 1L << 18;
    public static final int MNT_DETACH = 2;

    // open(2) flags (Linux, all architectures Gantry runs on)
    public static final int O_RDONLY = 0;
    public static final int O_WRONLY = 1;
    public static final int O_CREAT = 0100;
    public static final int O_EXCL = 0200;
    public static final int O_DIRECTORY = 0200000;
    public static final int O_NOFOLLOW = 0400000;
    public static final int O_CLOEXEC = 02000000;

    public static final int AT_FDCWD = -100;
    public static final int AT_SYMLINK_NOFOLLOW = 0x100;
    public static final int RENAME_NOREPLACE = 1;
    public static final int CLONE_FS = 0x200;

    public static final int S_IFMT = 0170000;
    public static final int S_IFIFO = 0010000;
    public static final int S_IFCHR = 0020000;
    public static final int S_IFDIR = 0040000;
    public static final int S_IFBLK = 0060000;
    public static final int S_IFREG = 0100000;
    public static final int S_IFLNK = 0120000;

    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int EINTR = 4;
    public static final int EBUSY = 16;
    public static final int EEXIST = 17;
    public static final int EINVAL = 22;
    public static final int ERANGE = 34;
    public static final int ENODATA = 61;
    public static final int ENOTSUP = 95;

    private static volatile Posix instance;

    private final POSIX posix;
    private final LibC libc;
    private final Runtime runtime;
    private final int euid;

    private Posix() {
        this.posix = POSIXFactory.getNativePOSIX();
        this.libc = LibraryLoader.create(LibC.class).load("c");
        this.runtime = Runtime.getRuntime(libc);
        this.euid = posix.geteuid();
    }

    /** The process-wide instance (loading libc once). */
    public static Posix get() {
        Posix p = instance;
        if (p == null) {
            synchronized (Posix.class) {
                p = instance;
                if (p == null) {
                    instance = p = new Posix();
                }
            }
        }
        return p;
    }

    public int geteuid() {
        return euid;
    }

    public int getegid() {
        return posix.getegid();
    }

    public boolean isRoot() {
        return euid == 0;
    }

    // ---- metadata -------------------------------------------------------------------------

    public void lchown(Path path, int uid, int gid) throws PosixException {
        String p = path.toString();
        if (posix.lchown(p, uid, gid) != 0) {
            throw posixError("lchown", p, posix.errno());
        }
    }

    /** chmod(2) follows a symlink in the last component: call it only on a path known not to be one. */
    public void chmodNoSymlink(Path path, int mode) throws PosixException {
        String p = path.toString();
        if (posix.chmod(p, mode & 07777) != 0) {
            throw posixError("chmod", p, posix.errno());
        }
    }

    /** Sets atime and mtime (seconds, nanoseconds) without following a symlink. */
    public void lutimes(Path path, long mtimeSeconds, int mtimeNanos) throws PosixException {
        String p = path.toString();
        long[] times = {mtimeSeconds, mtimeNanos, mtimeSeconds, mtimeNanos};
        if (libc.utimensat(AT_FDCWD, p, times, AT_SYMLINK_NOFOLLOW) != 0) {
            throw lastError("utimensat", p);
        }
    }

    /** mknod(2); {@code mode} carries the file type bits (S_IFCHR, S_IFBLK, S_IFIFO). */
    public void mknod(Path path, int mode, int major, int minor) throws PosixException {
        String p = path.toString();
        if (libc.mknod(p, mode, makedev(major, minor)) != 0) {
            throw lastError("mknod", p);
        }
    }

    /** glibc's gnu_dev_makedev. */
    public static long makedev(int major, int minor) {
        long ma = major & 0xffffffffL;
        long mi = minor & 0xffffffffL;
        return ((ma & 0x00000fffL) << 8) | ((ma & 0xfffff000L) << 32)
                | (mi & 0x000000ffL) | ((mi & 0xffffff00L) << 12);
    }

    public static int major(long dev) {
        return (int) (((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0x00000fffL));
    }

    public static int minor(long dev) {
        return (int) (((dev >>> 12) & 0xffffff00L) | (dev & 0x000000ffL));
    }

    /** symlink(2) with the target text exactly as given (java.nio would normalize it). */
    public void symlink(String target, Path link) throws PosixException {
        String l = link.toString();
        if (posix.symlink(target, l) != 0) {
            throw posixError("symlink", l + " -> " + target, posix.errno());
        }
    }

    /** readlink(2): the target text exactly as stored. */
    public String readlink(Path link) throws PosixException {
        String l = link.toString();
        byte[] buf = new byte[4096];
        int n = posix.readlink(l, buf, buf.length);
        if (n < 0) {
            throw posixError("readlink", l, posix.errno());
        }
        return new String(buf, 0, n, StandardCharsets.UTF_8);
    }

    // ---- extended attributes ---------------------------------------------------------------

    public void lsetxattr(Path path, String name, byte[] value) throws PosixException {
        String p = path.toString();
        if (libc.lsetxattr(p, name, value, value.length, 0) != 0) {
            throw lastError("lsetxattr", p + ", " + name);
        }
    }

    /** The attribute's value, or null when the file does not have it. */
    public byte[] lgetxattr(Path path, String name) throws PosixException {
        String p = path.toString();
        byte[] buf = new byte[256];
        while (true) {
            long n = libc.lgetxattr(p, name, buf, buf.length);
            if (n >= 0) {
                return java.util.Arrays.copyOf(buf, (int) n);
            }
            int errno = runtime.getLastError();
            if (errno == ENODATA) {
                return null;
            }
            if (errno != ERANGE || buf.length >= 1 << 20) {
                throw posixError("lgetxattr", p + ", " + name, errno);
            }
            buf = new byte[buf.length * 8];
        }
    }

    public List<String> llistxattr(Path path) throws PosixException {
        String p = path.toString();
        byte[] buf = new byte[1024];
        long n;
        while ((n = libc.llistxattr(p, buf, buf.length)) < 0) {
            int errno = runtime.getLastError();
            if (errno == ENOTSUP) {
                return List.of();
            }
            if (errno != ERANGE || buf.length >= 1 << 20) {
                throw posixError("llistxattr", p, errno);
            }
            buf = new byte[buf.length * 8];
        }
        List<String> names = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < n; i++) {
            if (buf[i] == 0) {
                if (i > start) {
                    names.add(new String(buf, start, i - start, StandardCharsets.UTF_8));
                }
                start = i + 1;
            }
        }
        return names;
    }

    // ---- file descriptors --------------------------------------------------------------------

    /**
     * Creates a new regular file with O_CREAT|O_EXCL|O_NOFOLLOW: it fails instead of opening
     * anything that already exists, a symlink included.
     */
    public int createExclusive(Path path, int mode) throws PosixException {
        String p = path.toString();
        int fd = libc.open(p, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode & 0777);
        if (fd < 0) {
            throw lastError("open", p);
        }
        return fd;
    }

    /** Opens a directory read-only, refusing a symlink in the last component. */
    public int openDirectory(Path path) throws PosixException {
        String p = path.toString();
        int fd = libc.open(p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
        if (fd < 0) {
            throw lastError("open", p);
        }
        return fd;
    }

    /** Writes the buffer's remaining bytes completely (a direct buffer; its position advances). */
    public void writeFully(int fd, ByteBuffer buffer, String subject) throws PosixException {
        while (buffer.hasRemaining()) {
            ByteBuffer slice = buffer.slice();
            long n = libc.write(fd, slice, slice.remaining());
            if (n < 0) {
                int errno = runtime.getLastError();
                if (errno == EINTR) {
                    continue;
                }
                throw posixError("write", subject, errno);
            }
            buffer.position(buffer.position() + (int) n);
        }
    }

    public void fchown(int fd, int uid, int gid, String subject) throws PosixException {
        if (libc.fchown(fd, uid, gid) != 0) {
            throw lastError("fchown", subject);
        }
    }

    public void fchmod(int fd, int mode, String subject) throws PosixException {
        if (libc.fchmod(fd, mode & 07777) != 0) {
            throw lastError("fchmod", subject);
        }
    }

    public void futimes(int fd, long mtimeSeconds, int mtimeNanos, String subject) throws PosixException {
        long[] times = {mtimeSeconds, mtimeNanos, mtimeSeconds, mtimeNanos};
        if (libc.futimens(fd, times) != 0) {
            throw lastError("futimens", subject);
        }
    }

    public void fsetxattr(int fd, String name, byte[] value, String subject) throws PosixException {
        if (libc.fsetxattr(fd, name, value, value.length, 0) != 0) {
            throw lastError("fsetxattr", subject + ", " + name);
        }
    }

    /** Flushes the file system holding {@code fd} (one call instead of an fsync per file). */
    public void syncfs(int fd, String subject) throws PosixException {
        if (libc.syncfs(fd) != 0) {
            throw lastError("syncfs", subject);
        }
    }

    public void close(int fd) {
        libc.close(fd);
    }

    // ---- names -------------------------------------------------------------------------------

    /**
     * rename(2) that refuses to replace an existing target (RENAME_NOREPLACE).
     *
     * @return false when the target already exists
     */
    public boolean renameNoReplace(Path from, Path to) throws PosixException {
        String f = from.toString();
        String t = to.toString();
        if (libc.renameat2(AT_FDCWD, f, AT_FDCWD, t, RENAME_NOREPLACE) == 0) {
            return true;
        }
        int errno = runtime.getLastError();
        if (errno == EEXIST || errno == 39 /* ENOTEMPTY */) {
            return false;
        }
        throw posixError("renameat2", f + " -> " + t, errno);
    }

    // ---- mounts and the calling thread's file system context ---------------------------------

    public void mount(String source, Path target, String type, long flags, String data) throws PosixException {
        String t = target.toString();
        if (libc.mount(source, t, type, flags, data) != 0) {
            throw lastError("mount", type + " " + source + " on " + t
                    + (data == null || data.isEmpty() ? "" : " (" + data.length() + " bytes of options)"));
        }
    }

    /** umount2(2); returns the errno instead of throwing, so that callers can fall back. */
    public int umount2(Path target, int flags) {
        if (libc.umount2(target.toString(), flags) == 0) {
            return 0;
        }
        return runtime.getLastError();
    }

    /**
     * Gives the calling thread its own cwd/root/umask (unshare(CLONE_FS)), so that it may chdir
     * without moving the JVM's other threads. Only for a dedicated thread.
     */
    public void unshareFileSystemContext() throws PosixException {
        if (libc.unshare(CLONE_FS) != 0) {
            throw lastError("unshare", "CLONE_FS");
        }
    }

    /** chdir(2) of the calling thread's file system context; see {@link #unshareFileSystemContext}. */
    public void chdir(Path dir) throws PosixException {
        String d = dir.toString();
        if (libc.chdir(d) != 0) {
            throw lastError("chdir", d);
        }
    }

    public String strerror(int errno) {
        return posix.strerror(errno);
    }

    private PosixException lastError(String call, String subject) {
        return posixError(call, subject, runtime.getLastError());
    }

    private PosixException posixError(String call, String subject, int errno) {
        return new PosixException(call, subject, errno, posix.strerror(errno));
    }
}
