package io.gantry.agent.logs;

import java.time.Instant;
import java.util.Objects;

/**
 * One record of a container's log: the text exactly as written (with its trailing newline,
 * absent for a partial line), the stream and the time the agent read it.
 */
public record LogEntry(Instant time, LogStream stream, String log) {

    public LogEntry {
        Objects.requireNonNull(time, "time");
        Objects.requireNonNull(stream, "stream");
        Objects.requireNonNull(log, "log");
    }

    /** The text without its trailing newline, as `docker logs` prints it. */
    public String text() {
        return log.endsWith("\n") ? log.substring(0, log.length() - 1) : log;
    }
}
