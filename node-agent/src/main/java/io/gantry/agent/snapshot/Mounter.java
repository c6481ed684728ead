package io.gantry.agent.snapshot;

import io.gantry.agent.posix.Posix;
import io.gantry.agent.posix.PosixException;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Applies {@link Mount}s with mount(2) and takes them down with umount2(2).
 *
 * <h2>Deep overlay stacks</h2>
 * mount(2) takes its options in one page (4096 bytes). An image of 128 layers with absolute
 * lowerdir paths overflows it. Docker's overlay2 keeps short symlinks in {@code l/} and mounts
 * from a child process that chdir'd there, passing relative lowerdirs. A JVM cannot chdir: the
 * working directory is process-wide and every thread resolves relative paths against it. So the
 * {@link OverlaySnapshotter} names lowerdirs by short links ({@code <root>/l/<12 chars>}) and,
 * when the options still overflow a page, this class mounts from one dedicated thread that has
 * its own file system context (unshare(CLONE_FS), allowed per thread in Linux) and chdirs to the
 * links' directory, so each lowerdir costs 13 bytes: about 300 layers fit. Overlay itself stops at
 * 500 lower layers. The returned {@link Mount} stays absolute and readable; only the mount(2)
 * call is compacted. The upper and work dirs stay absolute, so /proc/self/mountinfo still says
 * which snapshot a mount belongs to.
 */
public final class Mounter implements AutoCloseable {
    static final int PAGE = 4096;

    private final Posix posix;
    private volatile ExecutorService mountThread;

    public Mounter() {
        this.posix = Posix.get();
    }

    /** Applies the mounts in order on {@code target} (an existing directory). */
    public void mount(List<Mount> mounts, Path target) throws IOException {
        for (Mount m : mounts) {
            mount(m, target);
        }
    }

    public void mount(Mount m, Path target) throws IOException {
        long flags = 0;
        boolean bind = false;
        List<String> data = new ArrayList<>();
        for (String o : m.options()) {
            switch (o) {
                case "ro" -> flags |= Posix.MS_RDONLY;
                case "rw", "private", "rprivate" -> {
                }
                case "bind" -> bind = true;
                case "rbind" -> {
                    bind = true;
                    flags |= Posix.MS_REC;
                }
                case "nosuid" -> flags |= Posix.MS_NOSUID;
                case "nodev" -> flags |= Posix.MS_NODEV;
                case "noexec" -> flags |= Posix.MS_NOEXEC;
                default -> data.add(o);
            }
        }
        if (bind) {
            posix.mount(m.source(), target, null, Posix.MS_BIND | (flags & Posix.MS_REC), null);
            long remount = flags & ~Posix.MS_REC;
            if (remount != 0) {
                try {
                    posix.mount("none", target, null, Posix.MS_BIND | Posix.MS_REMOUNT | remount, null);
                } catch (PosixException e) {
                    unmount(target);
                    throw e;
                }
            }
            return;
        }
        String options = String.join(",", data);
        if (options.length() < PAGE) {
            posix.mount(m.source(), target, m.type(), flags, options);
            return;
        }
        mountRelative(m, target, flags, data);
    }

    private void mountRelative(Mount m, Path target, long flags, List<String> data) throws IOException {
        String lower = m.option("lowerdir");
        if (!m.type().equals("overlay") || lower == null) {
            throw new IOException("mount " + m.type() + " on " + target + ": " + String.join(",", data).length()
                    + " bytes of options do not fit in one page (" + PAGE + ")");
        }
        String[] dirs = lower.split(":");
        Path base = Path.of(dirs[0]).getParent();
        for (String d : dirs) {
            while (base != null && !Path.of(d).startsWith(base)) {
                base = base.getParent();
            }
        }
        if (base == null) {
            throw new IOException("overlay on " + target + ": lowerdirs share no directory to shorten them from");
        }
        List<String> relative = new ArrayList<>();
        StringBuilder rel = new StringBuilder("lowerdir=");
        for (int i = 0; i < dirs.length; i++) {
            rel.append(i == 0 ? "" : ":").append(base.relativize(Path.of(dirs[i])));
        }
        for (String o : data) {
            relative.add(o.startsWith("lowerdir=") ? rel.toString() : o);
        }
        String options = String.join(",", relative);
        if (options.length() >= PAGE) {
            throw new IOException("overlay on " + target + " with " + dirs.length + " layers needs " + options.length()
                    + " bytes of mount options even with relative lowerdirs; the limit is one page (" + PAGE + ")");
        }
        Path cwd = base;
        Future<Void> f = mountThread().submit(() -> {
            posix.chdir(cwd);
            posix.mount(m.source(), target, m.type(), flags, options);
            return null;
        });
        try {
            f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while mounting " + target, e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("mount " + target + ": " + e.getCause(), e.getCause());
        }
    }

    private ExecutorService mountThread() {
        ExecutorService s = mountThread;
        if (s == null) {
            synchronized (this) {
                s = mountThread;
                if (s == null) {
                    mountThread = s = Executors.newSingleThreadExecutor(r -> {
                        Thread t = new Thread(() -> {
                            try {
                                posix.unshareFileSystemContext();
                            } catch (PosixException e) {
                                throw new IllegalStateException("cannot give the mount thread its own cwd", e);
                            }
                            r.run();
                        }, "gantry-mount");
                        t.setDaemon(true);
                        return t;
                    });
                }
            }
        }
        return s;
    }

    /**
     * Unmounts {@code target}; a busy mount is detached (MNT_DETACH). Not being mounted is not
     * an error, so cleanup can be repeated.
     *
     * @return whether something was unmounted
     */
    public boolean unmount(Path target) throws IOException {
        int errno = posix.umount2(target, 0);
        if (errno == 0) {
            return true;
        }
        if (errno == Posix.EINVAL || errno == Posix.ENOENT) {
            return false;
        }
        if (errno == Posix.EBUSY) {
            int again = posix.umount2(target, Posix.MNT_DETACH);
            if (again == 0) {
                return true;
            }
            errno = again;
        }
        throw new PosixException("umount2", target.toString(), errno, posix.strerror(errno));
    }

    /** Unmounts every mount stacked on {@code target}. */
    public void unmountAll(Path target) throws IOException {
        for (int i = 0; i < 64 && unmount(target); i++) {
            // each call takes down the topmost mount
        }
    }

    @Override
    public void close() {
        ExecutorService s = mountThread;
        if (s != null) {
            s.shutdownNow();
        }
    }
}
