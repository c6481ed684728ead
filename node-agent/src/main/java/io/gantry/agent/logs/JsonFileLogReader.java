package io.gantry.agent.logs;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Reads what {@link JsonFileLogWriter} wrote, across rotated files: {@link #tail} for the last N
 * entries (read backwards from the end, so a short tail of a large log stays cheap) and
 * {@link #follow} for {@code docker logs -f}. The reader needs no cooperation from the writer,
 * so the node API can read a container's log while the agent's pump writes it, and a follower
 * survives rotation the way {@code tail -F} does: it finishes the file it holds open (now
 * renamed to {@code .1}) and continues with the next newer one.
 */
public final class JsonFileLogReader {

    private static final int CHUNK = 64 * 1024;

    private final Path file;

    /** @param file the live log file, e.g. {@code containers/<id>/logs/container.log} */
    public JsonFileLogReader(Path file) {
        this.file = Objects.requireNonNull(file, "file");
    }

    /** Every entry, oldest first. */
    public List<LogEntry> readAll() throws IOException {
        return tail(-1);
    }

    /** The last {@code n} entries, oldest first; {@code n < 0} means all of them. */
    public List<LogEntry> tail(int n) throws IOException {
        List<Path> files = files();
        long liveEnd = Files.exists(file) ? Files.size(file) : 0;
        return tailOf(files, liveEnd, n);
    }

    /**
     * Starts following: the returned follower first yields the last {@code tail} entries
     * ({@code tail < 0}: all), then everything written afterwards.
     */
    public LogFollower follow(int tail) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        if (!Files.exists(file)) {
            // the writer may not have started yet; an empty live file to follow is harmless
            // because the writer opens with CREATE|APPEND
            try {
                Files.createFile(file);
            } catch (java.nio.file.FileAlreadyExistsException ignored) {
                // created meanwhile by the writer
            }
        }
        FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
        long end = ch.size();
        Object key = fileKey(file);
        List<LogEntry> initial = tail == 0 ? List.of() : tailOf(files(), end, tail);
        return new LogFollower(ch, key, end, initial);
    }

    /** Existing files oldest first: {@code .k … .1}, then the live file. */
    List<Path> files() {
        List<Path> rotatedNewestFirst = new ArrayList<>();
        for (int k = 1; ; k++) {
            Path p = JsonFileLogWriter.rotated(file, k);
            if (!Files.exists(p)) {
                break;
            }
            rotatedNewestFirst.add(p);
        }
        Collections.reverse(rotatedNewestFirst);
        List<Path> all = new ArrayList<>(rotatedNewestFirst);
        if (Files.exists(file)) {
            all.add(file);
        }
        return all;
    }

    private List<LogEntry> tailOf(List<Path> files, long liveEnd, int n) throws IOException {
        List<String> newestFirst = new ArrayList<>();
        int want = n < 0 ? Integer.MAX_VALUE : n;
        for (int i = files.size() - 1; i >= 0 && newestFirst.size() < want; i--) {
            Path p = files.get(i);
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ)) {
                long end = p.equals(file) ? Math.min(liveEnd, ch.size()) : ch.size();
                readBackward(ch, end, want - newestFirst.size(), newestFirst);
            } catch (NoSuchFileException rotatedAway) {
                // rotated out of existence between listing and opening; older data is gone
            }
        }
        List<LogEntry> out = new ArrayList<>(newestFirst.size());
        for (int i = newestFirst.size() - 1; i >= 0; i--) {
            LogEntry e = decodeOrNull(newestFirst.get(i));
            if (e != null) {
                out.add(e);
            }
        }
        return out;
    }

    /** Appends up to {@code want} lines of {@code ch[0, end)} to {@code out}, newest first. */
    private static void readBackward(FileChannel ch, long end, int want, List<String> out) throws IOException {
        long pos = end;
        byte[] carry = new byte[0];
        boolean first = true;
        int collected = 0;
        while (pos > 0 && collected < want) {
            int n = (int) Math.min(CHUNK, pos);
            pos -= n;
            byte[] combined = new byte[n + carry.length];
            ByteBuffer buf = ByteBuffer.wrap(combined, 0, n);
            long at = pos;
            while (buf.hasRemaining()) {
                int r = ch.read(buf, at);
                if (r < 0) {
                    throw new IOException("log file shrank while reading");
                }
                at += r;
            }
            System.arraycopy(carry, 0, combined, n, carry.length);
            int lineEnd = combined.length;
            if (first && lineEnd > 0 && combined[lineEnd - 1] == '\n') {
                lineEnd--;
            }
            first = false;
            for (int j = lineEnd - 1; j >= 0 && collected < want; j--) {
                if (combined[j] == '\n') {
                    if (lineEnd > j + 1) {
                        out.add(new String(combined, j + 1, lineEnd - j - 1, StandardCharsets.UTF_8));
                        collected++;
                    }
                    lineEnd = j;
                }
            }
            carry = java.util.Arrays.copyOf(combined, lineEnd);
        }
        if (pos == 0 && carry.length > 0 && collected < want) {
            out.add(new String(carry, StandardCharsets.UTF_8));
        }
    }

    /**
     * A line that does not parse is skipped: the only way to get one is a torn last line after a
     * power loss, and one lost line must not make the whole log unreadable.
     */
    static LogEntry decodeOrNull(String line) {
        try {
            return JsonLogFormat.decode(line);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static Object fileKey(Path p) throws IOException {
        return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
    }

    /** Yields new entries as they are written; not thread-safe, one consumer. */
    public final class LogFollower implements AutoCloseable {
        private FileChannel channel;
        private Object key;
        private long position;
        private byte[] partial = new byte[0];
        private List<LogEntry> pending;

        LogFollower(FileChannel channel, Object key, long position, List<LogEntry> initial) {
            this.channel = channel;
            this.key = key;
            this.position = position;
            this.pending = initial;
        }

        /**
         * Entries written since the last call, waiting up to {@code maxWait} for at least one;
         * an empty list when nothing came.
         */
        public List<LogEntry> poll(Duration maxWait) throws IOException, InterruptedException {
            if (!pending.isEmpty()) {
                List<LogEntry> out = pending;
                pending = List.of();
                return out;
            }
            long deadline = System.nanoTime() + maxWait.toNanos();
            while (true) {
                List<LogEntry> got = readAvailable();
                if (!got.isEmpty()) {
                    return got;
                }
                List<LogEntry> drained = switchIfRotated();
                if (drained != null) {
                    if (!drained.isEmpty()) {
                        return drained;
                    }
                    continue;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return List.of();
                }
                Thread.sleep(Math.max(1, Math.min(50, left / 1_000_000)));
            }
        }

        private List<LogEntry> readAvailable() throws IOException {
            long size = channel.size();
            if (size < position) {
                position = 0; // truncated in place (not something the writer does, but be safe)
                partial = new byte[0];
            }
            if (size == position) {
                return List.of();
            }
            byte[] chunk = new byte[(int) Math.min(size - position, 1 << 20)];
            ByteBuffer buf = ByteBuffer.wrap(chunk);
            while (buf.hasRemaining()) {
                int r = channel.read(buf, position + buf.position());
                if (r < 0) {
                    break;
                }
            }
            position += buf.position();
            byte[] data = partial.length == 0 ? chunk : concat(partial, chunk, buf.position());
            int len = partial.length == 0 ? buf.position() : data.length;
            List<LogEntry> out = new ArrayList<>();
            int start = 0;
            for (int i = 0; i < len; i++) {
                if (data[i] == '\n') {
                    if (i > start) {
                        LogEntry e = decodeOrNull(new String(data, start, i - start, StandardCharsets.UTF_8));
                        if (e != null) {
                            out.add(e);
                        }
                    }
                    start = i + 1;
                }
            }
            partial = java.util.Arrays.copyOfRange(data, start, len);
            return out;
        }

        /**
         * At the end of our file: if the live path names another file now, drain what was written
         * to ours just before the rotation and move to the next newer file. Null when no rotation.
         */
        private List<LogEntry> switchIfRotated() throws IOException {
            Object liveKey;
            try {
                liveKey = fileKey(file);
            } catch (NoSuchFileException e) {
                return null;
            }
            if (liveKey == null || liveKey.equals(key)) {
                return null;
            }
            List<LogEntry> drained = readAvailable();
            List<Path> files = files();
            Path next = file;
            for (int i = 0; i < files.size() - 1; i++) {
                Object k;
                try {
                    k = fileKey(files.get(i));
                } catch (NoSuchFileException e) {
                    continue;
                }
                if (key.equals(k)) {
                    next = files.get(i + 1);
                    break;
                }
            }
            channel.close();
            channel = FileChannel.open(next, StandardOpenOption.READ);
            key = fileKey(next);
            position = 0;
            partial = new byte[0];
            return drained;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private static byte[] concat(byte[] a, byte[] b, int bLen) {
        byte[] out = new byte[a.length + bLen];
        System.arraycopy(a, 0, out, 0, a.length);
        System.arraycopy(b, 0, out, a.length, bLen);
        return out;
    }
}
