package io.gantry.agent.posix;

import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;

import java.nio.ByteBuffer;

/**
 * The libc calls jnr-posix does not offer (or offers with too narrow types): mount(2), the xattr
 * family, utimensat/futimens, mknod with a 64-bit dev_t, fd-based file creation, renameat2 and
 * unshare. Kept package-private: {@link Posix} is the facade that checks return codes.
 */
public interface LibC {
    int mount(String source, String target, String filesystemType, long flags, String data);

    int umount2(String target, int flags);

    int lsetxattr(String path, String name, @In byte[] value, long size, int flags);

    long lgetxattr(String path, String name, @Out byte[] value, long size);

    long llistxattr(String path, @Out byte[] list, long size);

    int fsetxattr(int fd, String name, @In byte[] value, long size, int flags);

    /** {@code times} is two struct timespec: {atime_sec, atime_nsec, mtime_sec, mtime_nsec}. */
    int utimensat(int dirfd, String path, @In long[] times, int flags);

    int futimens(int fd, @In long[] times);

    int mknod(String path, int mode, long dev);

    int open(String path, int flags, int mode);

    long write(int fd, @In ByteBuffer buffer, long count);

    int fchown(int fd, int uid, int gid);

    int fchmod(int fd, int mode);

    int close(int fd);

    int renameat2(int olddirfd, String oldpath, int newdirfd, String newpath, int flags);

    int syncfs(int fd);

    int unshare(int flags);

    int chdir(String path);
}
