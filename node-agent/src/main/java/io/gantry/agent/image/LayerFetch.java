package io.gantry.agent.image;

import io.gantry.agent.unpack.LayerFormatException;
import io.gantry.agent.unpack.LayerUnpacker;
import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.content.ContentWriter;
import io.gantry.layercache.distribution.PullProgress;
import io.gantry.layercache.distribution.PulledImage;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.peer.PeerFetcher;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageReference;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * How one pull gets its blobs: the {@link RegistryClient.PullStrategy} of {@link ImageService}.
 *
 * <p>Each layer: local store → a peer that has it → the origin registry ({@link PeerFetcher}).
 * A layer that has to be downloaded is <b>unpacked while it downloads</b>: the download writes
 * into the blob's ingest as usual, and an unpacker thread follows the ingest file
 * ({@link IngestFollower}), decompressing, hashing and extracting into a temporary directory as
 * the bytes land, so pull plus unpack costs about one download. Both checks must pass before
 * anything becomes visible: the unpacker verifies the diff id before the blob is committed, and
 * the unpacked layer is renamed into {@code layers/<diff-id>/} only once the blob's digest was
 * verified at commit. A failed source (dead peer, wrong bytes) discards the half-unpacked layer;
 * the next source continues the partial ingest and a new unpacker starts over from the file. A
 * layer whose genuine blob fails to unpack (an unsafe entry, a wrong diff id, not a tar) is
 * refused at once and no other source is tried.
 *
 * <p>Concurrent pulls on one node share a layer: the first one fetches and unpacks it, the others
 * wait for it ({@code flights}, keyed by diff id).
 */
final class LayerFetch implements RegistryClient.PullStrategy {

    /** The current attempt at one blob: where bytes come from and who follows them. */
    private static final class BlobState {
        volatile String source;
        volatile IngestFollower follower;
        long lastReported = -1;
    }

    private final ImageReference image;
    private final ContentStore content;
    private final LayerUnpacker unpacker;
    private final PeerFetcher peers;
    private final ExecutorService unpackPool;
    private final Map<Digest, CompletableFuture<Void>> flights;
    private final PullListener listener;
    private final ChainMaker chains;
    private final Map<Digest, BlobState> states = new ConcurrentHashMap<>();
    private final List<PeerFetcher.Attempt> attempts = Collections.synchronizedList(new ArrayList<>());

    /** Creates the committed snapshot chain of a pulled image (before it is named). */
    @FunctionalInterface
    interface ChainMaker {
        void create(List<Digest> diffIds) throws IOException;
    }

    /** The progress the registry client reports into: feeds the followers and the listener. */
    final PullProgress progress = new PullProgress() {
        @Override
        public void progress(Descriptor blob, long done, long total) {
            BlobState state = states.get(blob.digest());
            if (state == null) {
                return;
            }
            IngestFollower follower = state.follower;
            if (follower != null) {
                follower.bytesArrived();
            }
            long step = Math.max(1 << 20, total / 100);
            synchronized (state) {
                if (done != total && state.lastReported >= 0 && done - state.lastReported < step) {
                    return;
                }
                state.lastReported = done;
            }
            listener.onEvent(PullEvent.of(blob.digest().toString(), PullEvent.Status.DOWNLOADING, done, total,
                    state.source));
        }
    };

    LayerFetch(ImageReference image, ContentStore content, LayerUnpacker unpacker, PeerFetcher peers,
               ExecutorService unpackPool, Map<Digest, CompletableFuture<Void>> flights, PullListener listener,
               ChainMaker chains) {
        this.image = image;
        this.content = content;
        this.unpacker = unpacker;
        this.peers = peers;
        this.unpackPool = unpackPool;
        this.flights = flights;
        this.listener = listener;
        this.chains = chains;
    }

    /** Every try at every source, for logs and tests. */
    List<PeerFetcher.Attempt> attempts() {
        return List.copyOf(attempts);
    }

    @Override
    public BlobInfo blob(RegistryClient.BlobTask task) throws IOException {
        if (!task.isLayer()) {
            return fetchPlain(task);
        }
        Digest diffId = task.diffId();
        while (true) {
            CompletableFuture<Void> mine = new CompletableFuture<>();
            CompletableFuture<Void> running = flights.putIfAbsent(diffId, mine);
            if (running != null) {
                Descriptor blob = task.blob();
                listener.onEvent(PullEvent.of(blob.digest().toString(), PullEvent.Status.WAITING, 0, blob.size(), null));
                await(running, task.context());
                continue; // now unpacked (or failed for the other pull: this one tries itself)
            }
            try {
                BlobInfo info = ensureLayer(task);
                mine.complete(null);
                return info;
            } catch (IOException | RuntimeException | Error e) {
                mine.completeExceptionally(e);
                throw e;
            } finally {
                flights.remove(diffId, mine);
            }
        }
    }

    @Override
    public void beforeNaming(PulledImage pulled) throws IOException {
        chains.create(pulled.diffIds());
    }

    private static void await(CompletableFuture<Void> running, String context) throws IOException {
        try {
            running.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(context + ": interrupted while waiting for another pull of the layer");
        } catch (ExecutionException e) {
            // the other pull's failure is its own; this pull tries the layer itself
        }
    }

    private BlobInfo fetchPlain(RegistryClient.BlobTask task) throws IOException {
        Descriptor blob = task.blob();
        if (content.exists(blob.digest())) {
            content.touch(blob.digest());
            return content.info(blob.digest());
        }
        BlobState state = states.computeIfAbsent(blob.digest(), d -> new BlobState());
        List<PeerFetcher.Source> sources = peers.sources(task.image(), blob, progress, new AtomicBoolean(),
                task.origin(), task.context());
        return peers.fetch(blob, sources, source -> {
            state.source = source.name();
            return content.fetch(blob.digest(), blob.size(), source.blob());
        }, LayerFetch::worthAnotherSource, attempts);
    }

    private BlobInfo ensureLayer(RegistryClient.BlobTask task) throws IOException {
        Descriptor blob = task.blob();
        Digest diffId = task.diffId();
        String digest = blob.digest().toString();
        boolean haveBlob = content.exists(blob.digest());
        boolean unpacked = unpacker.isUnpacked(diffId);
        if (haveBlob && unpacked) {
            content.touch(blob.digest());
            listener.onEvent(PullEvent.of(digest, PullEvent.Status.EXISTS, blob.size(), blob.size(), null));
            return content.info(blob.digest());
        }
        if (haveBlob) {
            listener.onEvent(PullEvent.of(digest, PullEvent.Status.UNPACKING, blob.size(), blob.size(), null));
            unpackFromStore(image, content, unpacker, blob, diffId);
            listener.onEvent(PullEvent.of(digest, PullEvent.Status.DONE, blob.size(), blob.size(), null));
            return content.info(blob.digest());
        }
        if (unpacked) {
            BlobInfo info = fetchPlain(task); // the layer stayed, its blob went (gc): fetch it only
            listener.onEvent(PullEvent.of(digest, PullEvent.Status.DONE, blob.size(), blob.size(), null));
            return info;
        }
        BlobState state = states.computeIfAbsent(blob.digest(), d -> new BlobState());
        List<PeerFetcher.Source> sources = peers.sources(task.image(), blob, progress, new AtomicBoolean(),
                task.origin(), task.context());
        BlobInfo info = peers.fetch(blob, sources, source -> downloadAndUnpack(task, source, state),
                LayerFetch::worthAnotherSource, attempts);
        if (!unpacker.isUnpacked(diffId)) {
            // the blob came from a fetch that another caller ran (shared download): unpack it now
            listener.onEvent(PullEvent.of(digest, PullEvent.Status.UNPACKING, blob.size(), blob.size(), null));
            unpackFromStore(image, content, unpacker, blob, diffId);
        }
        listener.onEvent(PullEvent.of(digest, PullEvent.Status.DONE, blob.size(), blob.size(), state.source));
        return info;
    }

    /** A refused layer is the same from every source; anything else may go better elsewhere. */
    private static boolean worthAnotherSource(IOException e) {
        return !(e instanceof LayerFormatException) && !(e instanceof InterruptedIOException);
    }

    /** One source: the download tees into an unpacker through the ingest file. */
    private BlobInfo downloadAndUnpack(RegistryClient.BlobTask task, PeerFetcher.Source source, BlobState state)
            throws IOException {
        Descriptor blob = task.blob();
        Digest diffId = task.diffId();
        state.source = source.name();
        LayerUnpacker.Prepared[] prepared = new LayerUnpacker.Prepared[1];
        try {
            BlobInfo info = content.fetch(blob.digest(), blob.size(), writer -> {
                prepared[0] = teeInto(writer, source, state, blob, diffId);
            });
            if (prepared[0] != null) {
                prepared[0].commit();
            }
            return info;
        } finally {
            if (prepared[0] != null) {
                prepared[0].close(); // no-op after commit; discards the layer when the blob failed
            }
        }
    }

    private LayerUnpacker.Prepared teeInto(ContentWriter writer, PeerFetcher.Source source, BlobState state,
                                           Descriptor blob, Digest diffId) throws IOException {
        IngestFollower follower = new IngestFollower(writer.path(), blob.size());
        state.follower = follower;
        Future<LayerUnpacker.Prepared> unpacking = unpackPool.submit(() -> {
            try (InputStream in = follower) {
                return unpacker.prepare(diffId, in);
            }
        });
        try {
            source.blob().writeTo(writer);
            writer.flush();
            follower.writerDone();
        } catch (IOException | RuntimeException | Error e) {
            follower.writerFailed(e);
            discard(unpacking);
            throw e;
        } finally {
            state.follower = null;
        }
        listener.onEvent(PullEvent.of(blob.digest().toString(), PullEvent.Status.UNPACKING, writer.offset(),
                blob.size(), source.name()));
        try {
            return result(unpacking);
        } catch (IngestFollower.IngestRestartedException restarted) {
            // the source sent the blob again from zero midway: unpack the complete ingest now
            IngestFollower whole = new IngestFollower(writer.path(), blob.size());
            whole.writerDone();
            try (InputStream in = whole) {
                return unpacker.prepare(diffId, in);
            } catch (IOException e) {
                throw refuseIfUnreadable(writer, blob, diffId, e);
            }
        } catch (IOException e) {
            throw refuseIfUnreadable(writer, blob, diffId, e);
        }
    }

    /** Whether an unpack failure is about the bytes (format, checksum, truncation), not the disk. */
    static boolean unreadable(IOException e) {
        return e instanceof LayerFormatException || e instanceof java.util.zip.ZipException
                || e instanceof java.io.EOFException;
    }

    private IOException refuseIfUnreadable(ContentWriter writer, Descriptor blob, Digest diffId, IOException e)
            throws IOException {
        if (e instanceof InterruptedIOException || !unreadable(e)) {
            return e;
        }
        return refuse(writer, blob, diffId, e instanceof LayerFormatException format ? format
                : new LayerFormatException("not a readable layer: " + e, e));
    }

    /**
     * The unpack failed on bytes the download finished. If they are the genuine blob, the layer
     * itself is bad: refuse it (no other source can help). If not, the source sent wrong bytes:
     * a digest mismatch, and the next source starts from zero.
     */
    private IOException refuse(ContentWriter writer, Descriptor blob, Digest diffId, LayerFormatException e)
            throws IOException {
        boolean genuine = writer.offset() == blob.size() && writer.digestSoFar().equals(blob.digest());
        Digest got = writer.digestSoFar();
        writer.abort();
        if (genuine) {
            return new LayerRejectedException(image, blob.digest(), diffId, e);
        }
        return new DigestMismatchException("digest mismatch for " + blob.digest() + ": got " + got
                + " (and the bytes did not unpack: " + e.getMessage() + ")");
    }

    private static LayerUnpacker.Prepared result(Future<LayerUnpacker.Prepared> unpacking) throws IOException {
        try {
            return unpacking.get();
        } catch (InterruptedException e) {
            unpacking.cancel(true);
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while unpacking");
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof IOException io) {
                throw io;
            }
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            throw new IOException("unpacking failed: " + cause, cause);
        }
    }

    /** Waits for an unpack whose input failed to end, and drops what it made. */
    private static void discard(Future<LayerUnpacker.Prepared> unpacking) {
        try {
            unpacking.get().close();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException expected) {
            // it failed on the broken input, as it should
        }
    }

    /** Unpacks a layer whose blob is already committed (import, an earlier gc of the layer). */
    static void unpackFromStore(ImageReference image, ContentStore content, LayerUnpacker unpacker, Descriptor blob,
                                Digest diffId) throws IOException {
        try (InputStream in = content.open(blob.digest());
             LayerUnpacker.Prepared prepared = unpacker.prepare(diffId, in)) {
            prepared.commit();
        } catch (LayerRejectedException e) {
            throw e;
        } catch (IOException e) {
            if (!unreadable(e)) {
                throw e;
            }
            // the blob is verified content: a layer that does not unpack is the image's fault
            throw new LayerRejectedException(image, blob.digest(), diffId, e instanceof LayerFormatException format
                    ? format : new LayerFormatException("not a readable layer: " + e, e));
        }
    }
}
