package io.gantry.layercache.peer;

import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.BlobSource;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.content.IngestStatus;
import io.gantry.layercache.distribution.PullProgress;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryCredentials;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageStore;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.ImageReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Gets a blob from the nearest place that has it: each peer the {@link PeerDirectory} names, in
 * turn, then the origin registry. A peer is just another registry ({@link PeerBlobRoute} on every
 * agent), so a peer attempt is an ordinary Distribution blob GET through a {@link RegistryClient}
 * of its own: plain HTTP or HTTPS as the peer's URL says, the cluster token sent up front, one
 * attempt and a short stall timeout, because a slow or dead peer should cost little before the
 * next source is tried.
 *
 * <p>Every attempt writes into the same ingest of the content store, so the next source continues
 * where the previous one stopped ({@code Range}); a dead peer mid-download costs no byte twice.
 * Whatever a source sends is verified at commit: a peer that serves wrong bytes fails that
 * attempt, its ingest is dropped and the next source starts from zero. When the origin itself
 * fails the digest check after continuing another source's partial download, the origin is tried
 * once more from scratch, so a peer's garbage prefix cannot fail a pull the origin could serve.
 */
public final class PeerFetcher implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(PeerFetcher.class);

    /** One place a blob can come from: a peer's base URL or the origin registry. */
    public record Source(String name, boolean origin, BlobSource blob) {
    }

    /** One try at one source, for logs and tests: the source's name and "ok" or the failure. */
    public record Attempt(String source, String outcome) {
    }

    /** One attempt at one source; the default is {@link ContentStore#fetch} with the source's bytes. */
    @FunctionalInterface
    public interface AttemptRunner {
        BlobInfo run(Source source) throws IOException;
    }

    private final ContentStore content;
    private final PeerDirectory directory;
    private final RegistryClient plainPeers;
    private final RegistryClient tlsPeers;

    /**
     * @param peerOptions how to talk to peers (see {@link #peerOptions}); plain HTTP is chosen per
     *                    peer from its URL
     */
    public PeerFetcher(ImageStore images, PeerDirectory directory, RegistryOptions peerOptions) {
        this.content = images.content();
        this.directory = directory;
        this.plainPeers = new RegistryClient(images, peerOptions.withPlainHttp(true));
        this.tlsPeers = new RegistryClient(images, peerOptions.withPlainHttp(false));
    }

    /**
     * Options for peers: the cluster's API token (or null when the peers want none), one attempt
     * per peer, a 2 s connect and a 5 s stall timeout.
     */
    public static RegistryOptions peerOptions(String clusterToken) {
        RegistryCredentials credentials = clusterToken == null || clusterToken.isBlank()
                ? RegistryCredentials.none()
                : RegistryCredentials.none().withRegistryToken(RegistryCredentials.ANY_HOST, clusterToken);
        RegistryOptions d = RegistryOptions.defaults();
        return new RegistryOptions(true, credentials, d.concurrency(), d.chunkSize(), 1, d.initialBackoff(),
                d.maxBackoff(), Duration.ofSeconds(2), Duration.ofSeconds(5));
    }

    public PeerDirectory directory() {
        return directory;
    }

    /**
     * Where {@code blob} of {@code image} can come from, nearest first: each peer the directory
     * names, then {@code origin} (the registry the image names).
     */
    public List<Source> sources(ImageReference image, Descriptor blob, PullProgress progress, AtomicBoolean aborted,
                                BlobSource origin, String context) {
        List<Source> sources = new ArrayList<>();
        for (URI peer : directory.peersFor(blob.digest())) {
            String name = "peer " + peer.getRawAuthority();
            ImageReference atPeer;
            try {
                atPeer = ImageReference.parse(peer.getRawAuthority() + "/" + image.repository());
            } catch (IllegalArgumentException e) {
                log.warn("{}: peer {} cannot be asked for {}: {}", context, peer, image.repository(), e.getMessage());
                continue;
            }
            RegistryClient client = peer.getScheme().equals("https") ? tlsPeers : plainPeers;
            sources.add(new Source(name, false, client.blobSource(atPeer, blob, progress, aborted,
                    context + " from " + name)));
        }
        sources.add(new Source("origin " + image.registry(), true, origin));
        return sources;
    }

    /** Fetches {@code blob} into the store from the first of {@code sources} that delivers it verified. */
    public BlobInfo fetch(Descriptor blob, List<Source> sources, List<Attempt> attempts) throws IOException {
        return fetch(blob, sources, source -> content.fetch(blob.digest(), blob.size(), source.blob()), attempts);
    }

    /**
     * Tries {@code runner} on each source in turn until one succeeds. An interruption or an
     * abandoned pull ends the loop at once; any other failure moves on to the next source. The
     * last source's failure is thrown, with the earlier ones as suppressed exceptions.
     *
     * @param attempts receives one entry per try (may be a throwaway list)
     */
    public BlobInfo fetch(Descriptor blob, List<Source> sources, AttemptRunner runner, List<Attempt> attempts)
            throws IOException {
        return fetch(blob, sources, runner, e -> true, attempts);
    }

    /**
     * {@link #fetch(Descriptor, List, AttemptRunner, List)}, but a failure for which
     * {@code tryNext} is false ends the loop: one that no other source can fix (the layer itself
     * is unsafe, whoever serves it).
     */
    public BlobInfo fetch(Descriptor blob, List<Source> sources, AttemptRunner runner,
                          java.util.function.Predicate<IOException> tryNext, List<Attempt> attempts) throws IOException {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("fetch " + blob.digest() + ": no source");
        }
        List<IOException> failures = new ArrayList<>();
        boolean othersWrote = false;
        for (int i = 0; i < sources.size(); i++) {
            Source source = sources.get(i);
            boolean retriedFresh = false;
            while (true) {
                long before = content.ingest(blob.digest()).map(IngestStatus::offset).orElse(0L);
                try {
                    BlobInfo info = runner.run(source);
                    attempts.add(new Attempt(source.name(), "ok"));
                    return info;
                } catch (InterruptedIOException e) {
                    attempts.add(new Attempt(source.name(), describe(e)));
                    throw e;
                } catch (IOException e) {
                    attempts.add(new Attempt(source.name(), describe(e)));
                    boolean last = i == sources.size() - 1 || !tryNext.test(e);
                    if (e instanceof DigestMismatchException && before > 0 && othersWrote && !retriedFresh) {
                        // the prefix came from another source and may be the culprit; the
                        // mismatch dropped the ingest, so this try starts from zero
                        retriedFresh = true;
                        log.info("{} of {}: digest mismatch after continuing another source's download; retrying from scratch",
                                source.name(), blob.digest());
                        continue;
                    }
                    if (last) {
                        failures.forEach(e::addSuppressed);
                        throw e;
                    }
                    log.info("blob {} from {} failed ({}); trying {}", blob.digest(), source.name(), describe(e),
                            sources.get(i + 1).name());
                    failures.add(e);
                    othersWrote |= content.ingest(blob.digest()).map(IngestStatus::offset).orElse(0L) > 0;
                    break;
                }
            }
        }
        throw new IllegalStateException("unreachable");
    }

    private static String describe(IOException e) {
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    @Override
    public void close() {
        plainPeers.close();
        tlsPeers.close();
    }
}
