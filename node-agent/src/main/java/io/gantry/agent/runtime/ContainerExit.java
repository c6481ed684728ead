package io.gantry.agent.runtime;

import io.gantry.protocol.allocation.ExitStatus;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * How a container ended, as the node saw it: the protocol's {@link ExitStatus} (code, signal,
 * OOM kill) when known, when it ended, and a note. The OCI runtime reports only the 8-bit status,
 * so a process killed by signal N shows as 128+N and {@code signal} is derived from that; an
 * explicit {@code exit(137)} and a SIGKILL look alike, as in Docker. {@code oomKilled}: the
 * kernel's OOM killer killed a process of the container's memory cgroup (not necessarily its
 * init), as Docker's {@code State.OOMKilled}. The status is empty when nothing recorded it (the
 * container's shim was killed, or it ended while the agent was away and its record was lost),
 * with the reason in {@code detail}.
 */
public record ContainerExit(Optional<ExitStatus> status, Instant finishedAt, String detail) {

    public static final int UNKNOWN = -1;

    public ContainerExit {
        Objects.requireNonNull(status, "status");
        Objects.requireNonNull(finishedAt, "finishedAt");
        detail = detail == null ? "" : detail;
    }

    /** From an 8-bit wait status as shells and OCI runtimes report it. */
    public static ContainerExit fromCode(int code, boolean oomKilled, Instant finishedAt) {
        int signal = code > 128 && code <= 128 + 64 ? code - 128 : 0;
        return new ContainerExit(Optional.of(new ExitStatus(code, signal, oomKilled)), finishedAt, "");
    }

    public static ContainerExit unknown(String why, Instant finishedAt) {
        return new ContainerExit(Optional.empty(), finishedAt, why);
    }

    public boolean known() {
        return status.isPresent();
    }

    /** The exit code, or {@link #UNKNOWN}. */
    public int code() {
        return status.map(ExitStatus::code).orElse(UNKNOWN);
    }

    public int signal() {
        return status.map(ExitStatus::signal).orElse(0);
    }

    public boolean oomKilled() {
        return status.map(ExitStatus::oomKilled).orElse(false);
    }

    public boolean success() {
        return status.map(ExitStatus::success).orElse(false);
    }

    public ContainerExit withDetail(String text) {
        return new ContainerExit(status, finishedAt, text);
    }

    @Override
    public String toString() {
        if (status.isEmpty()) {
            return "exit status unknown (" + detail + ")";
        }
        ExitStatus s = status.get();
        StringBuilder sb = new StringBuilder("exit code ").append(s.code());
        if (s.signal() != 0) {
            sb.append(" (").append(Signals.name(s.signal())).append(')');
        }
        if (s.oomKilled()) {
            sb.append(", OOM killed");
        }
        if (!detail.isEmpty()) {
            sb.append(": ").append(detail);
        }
        return sb.toString();
    }
}
