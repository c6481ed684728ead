package io.gantry.agent.posix;

import java.io.IOException;

/** A failed system call: which call, on what, and the errno with its text. */
public class PosixException extends IOException {
    private final String call;
    private final int errno;

    public PosixException(String call, String subject, int errno, String errnoText) {
        super(call + "(" + subject + "): " + errnoText + " (errno " + errno + ")");
        this.call = call;
        this.errno = errno;
    }

    public String call() {
        return call;
    }

    public int errno() {
        return errno;
    }
}
