package io.gantry.sim;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/**
 * The run's event trace: one canonical line per thing that happened ("12.345 deliver n3 <- s1
 * run-allocation ..."), time first. Every line goes into a SHA-256 whose hex is the run's trace
 * hash (same seed and options, same hash); the last lines are kept for the context printed
 * with a violation, and all of them can be written to a file.
 */
public final class Trace {

    private final EventLoop loop;
    private final MessageDigest sha;
    private final ArrayDeque<String> recent = new ArrayDeque<>();
    private final int keep;
    private final Writer file;
    private long lines;
    private final StringBuilder line = new StringBuilder(160);

    public Trace(EventLoop loop, int keep, Writer file) {
        this.loop = loop;
        this.keep = keep;
        this.file = file;
        try {
            this.sha = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /** Starts a line at the current time; finish it with {@link #end()}. */
    public StringBuilder begin() {
        line.setLength(0);
        SimDurations.appendSeconds(line, loop.now());
        line.append(' ');
        return line;
    }

    public void end() {
        String s = line.toString();
        sha.update(s.getBytes(StandardCharsets.UTF_8));
        sha.update((byte) '\n');
        lines++;
        if (keep > 0) {
            if (recent.size() == keep) {
                recent.removeFirst();
            }
            recent.addLast(s);
        }
        if (file != null) {
            try {
                file.write(s);
                file.write('\n');
            } catch (IOException e) {
                throw new UncheckedIOException("writing the trace file", e);
            }
        }
    }

    public void add(String text) {
        begin().append(text);
        end();
    }

    public long lines() {
        return lines;
    }

    public List<String> recent() {
        return new ArrayList<>(recent);
    }

    /** Of the lines still kept, those numbered [from, to) (line numbers count from 1). */
    public List<String> window(long from, long to) {
        List<String> out = new ArrayList<>();
        long first = lines - recent.size() + 1;
        long n = first;
        for (String l : recent) {
            if (n >= from && n < to) {
                out.add(l);
            }
            n++;
        }
        return out;
    }

    /** The hash of every line so far (the digest is cloned, so tracing may go on). */
    public String hash() {
        try {
            MessageDigest copy = (MessageDigest) sha.clone();
            return HexFormat.of().formatHex(copy.digest());
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("SHA-256 digest cannot be cloned", e);
        }
    }
}
