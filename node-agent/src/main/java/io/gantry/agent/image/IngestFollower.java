package io.gantry.agent.image;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Reads a blob's ingest file while a download is still writing it: the unpacker's input when a
 * layer is unpacked as it arrives. Reads block until the writer has put more bytes in the file,
 * and end after {@code size} bytes. The writer side signals {@link #bytesArrived()} (cheap, from
 * the download's progress), {@link #writerDone()} or {@link #writerFailed}; a failed download
 * fails the reader, so the half-unpacked layer is discarded. Reading from the file rather than
 * from a pipe keeps a resumed ingest's earlier bytes in the stream for free, and costs a copy
 * out of the page cache the writer just filled.
 */
final class IngestFollower extends InputStream {

    /** The writer truncated the ingest (a source sent the whole blob again): start over. */
    static final class IngestRestartedException extends IOException {
        IngestRestartedException(long position, long size) {
            super("the download restarted from zero (the ingest shrank to " + size + " bytes after " + position
                    + " were read)");
        }
    }

    private static final long WAIT_MILLIS = 5;

    private final FileChannel channel;
    private final long size;
    private final Object signal = new Object();
    private long position;
    private volatile boolean writerDone;
    private volatile Throwable writerFailure;

    IngestFollower(Path ingest, long size) throws IOException {
        this.channel = FileChannel.open(ingest, StandardOpenOption.READ);
        this.size = size;
    }

    void bytesArrived() {
        synchronized (signal) {
            signal.notifyAll();
        }
    }

    void writerDone() {
        writerDone = true;
        bytesArrived();
    }

    void writerFailed(Throwable failure) {
        writerFailure = failure;
        bytesArrived();
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (true) {
            if (position >= size) {
                return -1;
            }
            long available = Math.min(channel.size(), size);
            if (channel.size() < position) {
                throw new IngestRestartedException(position, channel.size());
            }
            if (available > position) {
                int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, available - position)), position);
                if (n > 0) {
                    position += n;
                    return n;
                }
            }
            Throwable failure = writerFailure;
            if (failure != null) {
                throw new IOException("the download stopped: " + failure.getMessage(), failure);
            }
            if (writerDone && channel.size() <= position) {
                throw new EOFException("the download ended after " + position + " of " + size + " bytes");
            }
            synchronized (signal) {
                try {
                    signal.wait(WAIT_MILLIS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new java.io.InterruptedIOException("interrupted while waiting for layer bytes");
                }
            }
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
