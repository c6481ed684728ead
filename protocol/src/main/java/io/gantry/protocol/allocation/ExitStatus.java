package io.gantry.protocol.allocation;

/**
 * How a container's process ended. {@code code} is what a shell would report (128 + signal when
 * killed by a signal, as Docker shows it); {@code signal} is the terminating signal or 0 when the
 * process exited by itself; {@code oomKilled} when the kernel's OOM killer ended it for breaching
 * its memory limit.
 */
public record ExitStatus(int code, int signal, boolean oomKilled) {

    public ExitStatus {
        if (code < 0 || code > 255) {
            throw new IllegalArgumentException("exit code must be 0..255, got " + code);
        }
        if (signal < 0 || signal > 64) {
            throw new IllegalArgumentException("signal must be 0..64, got " + signal);
        }
    }

    public static ExitStatus exited(int code) {
        return new ExitStatus(code, 0, false);
    }

    public static ExitStatus killed(int signal) {
        return new ExitStatus(128 + signal, signal, false);
    }

    /** Killed with SIGKILL by the OOM killer. */
    public static ExitStatus outOfMemory() {
        return new ExitStatus(128 + 9, 9, true);
    }

    public boolean success() {
        return code == 0 && signal == 0 && !oomKilled;
    }

    @Override
    public String toString() {
        if (oomKilled) {
            return "OOM killed (exit " + code + ")";
        }
        return signal != 0 ? "killed by signal " + signal + " (exit " + code + ")" : "exit " + code;
    }
}
