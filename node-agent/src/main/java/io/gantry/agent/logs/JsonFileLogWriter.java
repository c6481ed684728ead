package io.gantry.agent.logs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * Writes a container's output as Docker json-file lines into {@code container.log}, rotating by
 * size into {@code container.log.1 … .N-1} (the newest rotated file is {@code .1}). Each line is
 * one {@code write(2)} on an append-mode file, unbuffered, so a reader following the file (or a
 * crash of the agent) never sees half a line; both streams share the file, in arrival order.
 *
 * <p>Reopening an existing file appends to it: an agent that restarts and re-adopts a container
 * continues the same log.
 */
public final class JsonFileLogWriter implements LogSink, AutoCloseable {

    private final Path file;
    private final LogRotation rotation;
    private FileChannel channel;
    private long size;
    private boolean closed;

    public JsonFileLogWriter(Path file, LogRotation rotation) throws IOException {
        this.file = file;
        this.rotation = rotation;
        Files.createDirectories(file.toAbsolutePath().getParent());
        open();
    }

    public Path file() {
        return file;
    }

    private void open() throws IOException {
        channel = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        size = channel.size();
    }

    @Override
    public synchronized void write(LogStream stream, byte[] bytes, int offset, int length, Instant time) {
        if (closed) {
            return;
        }
        byte[] line = JsonLogFormat.encode(stream, bytes, offset, length, time);
        try {
            if (rotation.rotates() && size > 0 && size + line.length > rotation.maxSize()) {
                rotate();
            }
            ByteBuffer buf = ByteBuffer.wrap(line);
            while (buf.hasRemaining()) {
                channel.write(buf);
            }
            size += line.length;
        } catch (IOException e) {
            throw new UncheckedIOException("write log line to " + file, e);
        }
    }

    /** Shift {@code .k → .k+1}, drop the oldest, move the live file to {@code .1}, start a new one. */
    private void rotate() throws IOException {
        channel.close();
        int keep = rotation.maxFiles() - 1;
        if (keep == 0) {
            Files.deleteIfExists(file);
        } else {
            Files.deleteIfExists(rotated(file, keep));
            for (int k = keep - 1; k >= 1; k--) {
                Path from = rotated(file, k);
                if (Files.exists(from)) {
                    Files.move(from, rotated(file, k + 1), StandardCopyOption.REPLACE_EXISTING);
                }
            }
            Files.move(file, rotated(file, 1), StandardCopyOption.REPLACE_EXISTING);
        }
        open();
    }

    static Path rotated(Path file, int k) {
        return file.resolveSibling(file.getFileName() + "." + k);
    }

    @Override
    public synchronized void close() throws IOException {
        if (!closed) {
            closed = true;
            channel.close();
        }
    }
}
