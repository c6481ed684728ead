package io.gantry.agent.runtime;

import jnr.constants.platform.RLIMIT;
import jnr.posix.POSIX;
import jnr.posix.POSIXFactory;
import jnr.posix.RLimit;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The few system calls the runtime makes itself, through jnr-posix: mkfifo for the stdio fifos,
 * kill for shims that must die, getrlimit for clamping a bundle's rlimits. Kept apart from the
 * snapshot/unpack native facade ({@code io.gantry.agent.posix}) on purpose: the two grow
 * independently and share only jnr-posix.
 */
public final class RuntimeNative {

    private static volatile POSIX posix;

    private RuntimeNative() {
    }

    private static POSIX posix() {
        POSIX p = posix;
        if (p == null) {
            synchronized (RuntimeNative.class) {
                p = posix;
                if (p == null) {
                    p = POSIXFactory.getNativePOSIX();
                    posix = p;
                }
            }
        }
        return p;
    }

    /** Loads the native library now rather than on the first container start. */
    public static void preload() {
        posix().getpid();
    }

    public static void mkfifo(Path path, int mode) throws IOException {
        POSIX p = posix();
        if (p.mkfifo(path.toString(), mode) != 0) {
            int errno = p.errno();
            throw new IOException("mkfifo " + path + ": " + p.strerror(errno));
        }
    }

    /** kill(2); false when the process does not exist (ESRCH), an exception for other errors. */
    public static boolean kill(long pid, int signal) throws IOException {
        if (pid <= 1) {
            throw new IllegalArgumentException("refusing to signal pid " + pid);
        }
        POSIX p = posix();
        if (p.kill(pid, signal) == 0) {
            return true;
        }
        int errno = p.errno();
        if (errno == jnr.constants.platform.Errno.ESRCH.intValue()) {
            return false;
        }
        throw new IOException("kill(" + pid + ", " + Signals.name(signal) + "): " + p.strerror(errno));
    }

    /** The agent's own soft and hard limit for {@code resource} (RLIM_INFINITY as -1). */
    public static long[] getrlimit(RLIMIT resource) {
        RLimit r = posix().getrlimit(resource.intValue());
        return new long[] {r.rlimCur(), r.rlimMax()};
    }
}
