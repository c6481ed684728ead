package io.gantry.agent.runtime;

import java.time.Instant;
import java.util.Objects;

/**
 * How a container ended. {@code exitCode} follows the shell (and Docker) convention: a process
 * killed by signal N exits with 128+N, and {@code signal} names N in that case (0 otherwise). The
 * OCI runtime reports only the 8-bit status, so an explicit {@code exit(137)} and a SIGKILL look
 * alike; Docker has the same ambiguity. {@code oomKilled}: the kernel's OOM killer killed a
 * process of the container's memory cgroup (not necessarily its init), as Docker's
 * {@code State.OOMKilled}. {@code exitCode == UNKNOWN} when nothing recorded the status (the
 * container's shim was killed or its records were lost), with the reason in {@code detail}.
 */
public record ExitStatus(int exitCode, int signal, boolean oomKilled, Instant finishedAt, String detail) {

    public static final int UNKNOWN = -1;

    public ExitStatus {
        Objects.requireNonNull(finishedAt, "finishedAt");
        detail = detail == null ? "" : detail;
    }

    /** From an 8-bit wait status as shells and OCI runtimes report it. */
    public static ExitStatus fromCode(int exitCode, boolean oomKilled, Instant finishedAt) {
        int signal = exitCode > 128 && exitCode <= 128 + 64 ? exitCode - 128 : 0;
        return new ExitStatus(exitCode, signal, oomKilled, finishedAt, "");
    }

    public static ExitStatus unknown(String why, Instant finishedAt) {
        return new ExitStatus(UNKNOWN, 0, false, finishedAt, why);
    }

    public boolean known() {
        return exitCode != UNKNOWN;
    }

    public boolean success() {
        return exitCode == 0 && !oomKilled;
    }

    public ExitStatus withDetail(String text) {
        return new ExitStatus(exitCode, signal, oomKilled, finishedAt, text);
    }

    @Override
    public String toString() {
        if (!known()) {
            return "exit status unknown (" + detail + ")";
        }
        StringBuilder sb = new StringBuilder("exit code ").append(exitCode);
        if (signal != 0) {
            sb.append(" (").append(Signals.name(signal)).append(')');
        }
        if (oomKilled) {
            sb.append(", OOM killed");
        }
        if (!detail.isEmpty()) {
            sb.append(": ").append(detail);
        }
        return sb.toString();
    }
}
