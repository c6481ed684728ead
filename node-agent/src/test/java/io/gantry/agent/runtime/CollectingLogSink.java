package io.gantry.agent.runtime;

import io.gantry.agent.logs.LogSink;
import io.gantry.agent.logs.LogStream;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

/** Keeps every line in memory; for tests. */
public final class CollectingLogSink implements LogSink {

    public record Line(LogStream stream, String text, Instant time) {
    }

    private final List<Line> lines = new CopyOnWriteArrayList<>();
    private volatile boolean closed;

    @Override
    public void write(LogStream stream, byte[] bytes, int offset, int length, Instant time) {
        lines.add(new Line(stream, new String(bytes, offset, length, StandardCharsets.UTF_8), time));
    }

    @Override
    public void streamsClosed() {
        closed = true;
    }

    public List<Line> lines() {
        return List.copyOf(lines);
    }

    public String text(LogStream stream) {
        return lines.stream().filter(l -> l.stream() == stream).map(Line::text).collect(Collectors.joining());
    }

    public boolean closed() {
        return closed;
    }
}
