package io.gantry.layercache.distribution;

import io.gantry.layercache.content.ContentWriter;
import io.gantry.protocol.oci.Descriptor;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes a blob response body into its ingest as the HTTP client delivers it (on the client's
 * threads, one buffer list at a time, with back pressure). Pushing rather than pulling through an
 * InputStream keeps every byte that arrived before a connection broke: java.net.http's stream
 * discards buffered data once the connection fails, and those bytes would be downloaded twice.
 *
 * <p>{@link #cancel} (stall watch, abort, the downloading thread giving up) and {@code onNext}
 * exclude each other, so once cancel returns no further byte reaches the writer and the caller
 * may use it again.
 */
final class BlobBodySubscriber implements HttpResponse.BodySubscriber<byte[]> {

    private static final long PROGRESS_STEP = 256 * 1024;
    private static final byte[] DONE = new byte[0];

    private final ContentWriter writer;
    private final Descriptor blob;
    private final PullProgress progress;
    private final AtomicBoolean aborted;
    private final CompletableFuture<byte[]> body = new CompletableFuture<>();
    private Flow.Subscription subscription;
    private boolean cancelled;
    private long reported;
    private volatile long lastActivity = System.nanoTime();

    BlobBodySubscriber(ContentWriter writer, Descriptor blob, PullProgress progress, AtomicBoolean aborted) {
        this.writer = writer;
        this.blob = blob;
        this.progress = progress;
        this.aborted = aborted;
    }

    @Override
    public synchronized void onSubscribe(Flow.Subscription s) {
        subscription = s;
        if (cancelled) {
            s.cancel();
            return;
        }
        reported = writer.offset();
        progress.progress(blob, reported, blob.size());
        s.request(1);
    }

    @Override
    public void onNext(List<ByteBuffer> buffers) {
        Flow.Subscription s;
        synchronized (this) {
            if (cancelled) {
                return;
            }
            try {
                for (ByteBuffer buffer : buffers) {
                    writer.write(buffer);
                }
            } catch (IOException | RuntimeException e) {
                cancelLocked(e);
                return;
            }
            lastActivity = System.nanoTime();
            if (writer.offset() - reported >= PROGRESS_STEP) {
                reported = writer.offset();
                progress.progress(blob, reported, blob.size());
            }
            if (aborted.get()) {
                cancelLocked(new InterruptedIOException("abandoned: another blob of the same image failed"));
                return;
            }
            s = subscription;
        }
        s.request(1);
    }

    @Override
    public synchronized void onError(Throwable error) {
        cancelled = true;
        body.completeExceptionally(error);
    }

    @Override
    public synchronized void onComplete() {
        if (!cancelled) {
            cancelled = true;
            progress.progress(blob, writer.offset(), blob.size());
            body.complete(DONE);
        }
    }

    @Override
    public CompletionStage<byte[]> getBody() {
        return body;
    }

    /** Stops writing; the body completes with {@code reason} unless it already completed. */
    synchronized void cancel(Throwable reason) {
        cancelLocked(reason);
    }

    private void cancelLocked(Throwable reason) {
        if (cancelled) {
            return;
        }
        cancelled = true;
        if (subscription != null) {
            subscription.cancel();
        }
        body.completeExceptionally(reason);
    }

    /** Nanoseconds since the last bytes arrived (or since the subscriber was created). */
    long idleNanos() {
        return System.nanoTime() - lastActivity;
    }
}
