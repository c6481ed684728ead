package io.gantry.agent.logs;

import java.time.Instant;

/**
 * Where a container's output goes once the runtime has split it into lines. The runtime calls
 * {@link #write} from one thread per stream, so implementations must be thread-safe; a line
 * longer than the runtime's buffer arrives in pieces with {@code partial = true} on every piece
 * but the last (the way Docker marks partial messages).
 */
public interface LogSink {

    /**
     * One line (or piece of a line) of output. {@code bytes[offset, offset+length)} includes the
     * trailing newline when the line had one.
     */
    void write(LogStream stream, byte[] bytes, int offset, int length, Instant time);

    /** Called once when both streams have reached their end. */
    default void streamsClosed() {
    }

    /** A sink that drops everything (probe containers, tests that don't look at output). */
    static LogSink discarding() {
        return (stream, bytes, offset, length, time) -> { };
    }
}
