package io.gantry.agent.logs;

import java.time.Instant;
import java.util.function.Supplier;

/**
 * Cuts one stream's raw bytes into log lines for a {@link LogSink}: a line ends at '\n' (kept);
 * a line longer than {@code maxLine} bytes goes out in {@code maxLine} pieces, as Docker does
 * at 16 KiB, so one runaway line cannot grow the agent's memory; what is left at the end of the
 * stream goes out without a newline. Each line is stamped when its last byte was read.
 */
public final class LineSplitter {

    public static final int DOCKER_MAX_LINE = 16 * 1024;

    private final LogStream stream;
    private final LogSink sink;
    private final Supplier<Instant> clock;
    private final byte[] line;
    private int length;

    public LineSplitter(LogStream stream, LogSink sink, int maxLine, Supplier<Instant> clock) {
        if (maxLine < 1) {
            throw new IllegalArgumentException("maxLine must be positive");
        }
        this.stream = stream;
        this.sink = sink;
        this.clock = clock;
        this.line = new byte[maxLine];
    }

    public LineSplitter(LogStream stream, LogSink sink) {
        this(stream, sink, DOCKER_MAX_LINE, Instant::now);
    }

    public void feed(byte[] buf, int offset, int count) {
        Instant now = null;
        int end = offset + count;
        int start = offset;
        for (int i = offset; i < end; i++) {
            if (buf[i] == '\n') {
                if (now == null) {
                    now = clock.get();
                }
                append(buf, start, i + 1 - start, now);
                flush(now);
                start = i + 1;
            }
        }
        if (start < end) {
            append(buf, start, end - start, now == null ? (now = clock.get()) : now);
        }
    }

    /** The stream ended: whatever is buffered goes out as a last line without a newline. */
    public void finish() {
        if (length > 0) {
            flush(clock.get());
        }
    }

    private void append(byte[] buf, int offset, int count, Instant now) {
        while (count > 0) {
            int room = line.length - length;
            if (room == 0) {
                flush(now);
                room = line.length;
            }
            int n = Math.min(room, count);
            System.arraycopy(buf, offset, line, length, n);
            length += n;
            offset += n;
            count -= n;
        }
    }

    private void flush(Instant now) {
        if (length > 0) {
            sink.write(stream, line, 0, length, now);
            length = 0;
        }
    }
}
