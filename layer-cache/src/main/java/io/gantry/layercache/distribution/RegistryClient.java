package io.gantry.layercache.distribution;

import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.LayerCacheException;
import io.gantry.layercache.RegistryUnavailableException;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.BlobSource;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.content.ContentWriter;
import io.gantry.layercache.image.ImageStore;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageIndex;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.InvalidDocumentException;
import io.gantry.protocol.oci.ManifestDocument;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.OciJson;
import io.gantry.protocol.oci.Parsed;
import io.gantry.protocol.oci.Platform;
import io.gantry.protocol.oci.PlatformNotFoundException;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An OCI Distribution client (HTTP/1.1, java.net.http) that pulls into and pushes from the local
 * {@link ImageStore}.
 *
 * <p><b>Pull</b>: the reference (tag or digest) is resolved to a manifest with an {@code Accept}
 * for OCI and Docker schema2 manifests and indexes; an index is narrowed to the wanted platform.
 * A manifest's digest is always computed over the bytes received and checked against the digest
 * asked for and against {@code Docker-Content-Digest}. Everything the image needs is added to a
 * lease of the pull before it is written (the image's own lease, {@code image/<reference>},
 * replaces it when the image is named); the config and then the layers are
 * downloaded (layers in parallel on a pool of {@code concurrency} threads) into the content store,
 * which verifies each blob before committing it. A download that breaks is retried with backoff
 * and continues where it stopped ({@code Range: bytes=N-}, also after a restart of the process);
 * a registry that ignores the range and answers 200 is read from the start. Concurrent pulls of
 * the same blob share one download. Finally the image is named in the image store.
 *
 * <p><b>Push</b>: blobs first (HEAD to skip what the registry has; a cross-repository mount when
 * the image came from another repository of the same registry; otherwise a monolithic
 * {@code POST}+{@code PUT}, or {@code PATCH} chunks for blobs above the chunk size), then the
 * manifests with their media types, an index's children by digest and the top one by tag.
 */
public final class RegistryClient implements AutoCloseable {

    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes (\\d+)-(\\d+)/(\\d+|\\*)");
    private static final long PROGRESS_STEP = 256 * 1024;

    /**
     * A reference resolved to the document it names and the image manifest chosen for a platform.
     * {@code platformUnchecked} is true when the manifest came from an index entry that declares no
     * platform: then only the image config can say whether it runs there.
     */
    public record Resolved(ImageReference reference, Parsed<ManifestDocument> target, Parsed<ImageManifest> manifest,
                           boolean platformUnchecked) {
    }

    private final ImageStore images;
    private final ContentStore content;
    private final RegistryOptions options;
    private final RegistryHttp http;
    private final ExecutorService workers;

    public RegistryClient(ImageStore images, RegistryOptions options) {
        this.images = images;
        this.content = images.content();
        this.options = options;
        this.http = new RegistryHttp(options);
        AtomicInteger n = new AtomicInteger();
        this.workers = Executors.newFixedThreadPool(options.concurrency(), runnable -> {
            Thread thread = new Thread(runnable, "gantry-registry-" + n.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        });
    }

    public RegistryOptions options() {
        return options;
    }

    // ---- resolve ---------------------------------------------------------------------------

    /** Fetches what {@code ref} names (manifest or index) without storing it. */
    public Parsed<ManifestDocument> fetchManifest(ImageReference ref) throws IOException {
        return fetchManifest(ref, ref.manifestReference(), null, "resolve " + ref);
    }

    /** Resolves {@code ref} and, for an index, the manifest for {@code platform}. Stores nothing. */
    public Resolved resolve(ImageReference ref, Platform platform) throws IOException {
        Parsed<ManifestDocument> target = fetchManifest(ref);
        Parsed<ManifestDocument> doc = target;
        boolean unchecked = false;
        for (int depth = 0; doc.value() instanceof ImageIndex index; depth++) {
            if (depth >= 4) {
                throw new FailedPreconditionException("resolve " + ref + ": indexes nested more than 4 deep");
            }
            Descriptor chosen;
            try {
                chosen = index.select(platform);
            } catch (PlatformNotFoundException e) {
                throw new io.gantry.layercache.NotFoundException("resolve " + ref + ": " + e.getMessage(), e);
            }
            unchecked = chosen.platform() == null;
            doc = fetchManifest(ref, chosen.digest().toString(), chosen, "resolve " + ref + " (" + platform + ")");
        }
        try {
            return new Resolved(ref, target, doc.as(ImageManifest.class), unchecked);
        } catch (InvalidDocumentException e) {
            throw new FailedPreconditionException("resolve " + ref + ": " + e.getMessage(), e);
        }
    }

    private Parsed<ManifestDocument> fetchManifest(ImageReference repo, String reference, Descriptor expected,
                                                   String context) throws IOException {
        String host = repo.registryEndpoint();
        URI uri = http.base(host).resolve(repo.repository() + "/manifests/" + reference);
        String accept = expected != null && MediaTypes.isManifestOrIndex(expected.mediaType())
                ? expected.mediaType() + ", " + MediaTypes.manifestAcceptHeader()
                : MediaTypes.manifestAcceptHeader();
        HttpResponse<InputStream> response = http.send(host,
                RegistryHttp.Call.get(uri, pullScope(repo), RegistryHttp.headers("Accept", accept)), context);
        if (response.statusCode() != 200) {
            throw http.error(host, context, response);
        }
        byte[] raw;
        try (InputStream body = http.stallGuarded(response.body(), context)) {
            raw = body.readNBytes(OciJson.MAX_MANIFEST_BYTES + 1);
        }
        if (raw.length > OciJson.MAX_MANIFEST_BYTES) {
            throw new FailedPreconditionException(context + ": manifest larger than " + OciJson.MAX_MANIFEST_BYTES + " bytes");
        }
        Digest wanted = expected != null ? expected.digest()
                : reference.contains(":") ? Digest.parse(reference) : null;
        Digest actual = Digest.of(wanted != null ? wanted.algorithm() : "sha256", raw);
        if (wanted != null && !wanted.equals(actual)) {
            throw new DigestMismatchException(context + ": digest mismatch for " + wanted + ": got " + actual);
        }
        String header = RegistryHttp.header(response, "Docker-Content-Digest");
        if (header != null) {
            Digest claimed;
            try {
                claimed = Digest.parse(header.trim());
            } catch (IllegalArgumentException e) {
                claimed = null; // an unusable header proves nothing either way
            }
            if (claimed != null && !claimed.equals(Digest.of(claimed.algorithm(), raw))) {
                throw new DigestMismatchException(context + ": digest mismatch for " + claimed
                        + " (Docker-Content-Digest): got " + Digest.of(claimed.algorithm(), raw));
            }
        }
        if (expected != null && expected.size() != raw.length) {
            throw new DigestMismatchException(context + ": size mismatch for " + expected.digest() + ": expected "
                    + expected.size() + " bytes, got " + raw.length);
        }
        try {
            return OciJson.parseManifest(raw, RegistryHttp.header(response, "Content-Type"), actual);
        } catch (InvalidDocumentException e) {
            throw new FailedPreconditionException(context + ": " + e.getMessage(), e);
        }
    }

    // ---- pull ------------------------------------------------------------------------------

    /**
     * Pulls {@code ref} for {@code platform}: afterwards the image is in the image store under
     * {@code ref}, every blob verified and leased.
     */
    public PulledImage pull(ImageReference ref, Platform platform, PullProgress progress) throws IOException {
        return pull(ref, platform, progress, PullStrategy.DEFAULT);
    }

    /**
     * How a pull gets its blobs (the config, then each layer) into the content store, and what
     * happens before the image is named. The default downloads every blob from the origin
     * registry; a node agent tries its peers first and unpacks layers while the bytes arrive.
     * Layers are fetched on the pull's worker threads, one call per distinct layer, several at
     * once.
     */
    public interface PullStrategy {
        PullStrategy DEFAULT = BlobTask::fromOrigin;

        /** Makes sure the task's blob is in the content store (verified); returns it. */
        BlobInfo blob(BlobTask task) throws IOException;

        /**
         * Runs once every layer is in, before the image is named; a failure leaves the image
         * unnamed (its content stays leased by the pull until the pull ends, then gc may take it).
         */
        default void beforeNaming(PulledImage image) throws IOException {
        }
    }

    /**
     * One blob of a pull, for a {@link PullStrategy}: which blob of which image, for a layer its
     * diff id from the config (null for the config itself), and the origin registry as a
     * {@link BlobSource} that continues a partial ingest.
     */
    public final class BlobTask {
        private final ImageReference image;
        private final Descriptor layer;
        private final Digest diffId;
        private final PullProgress progress;
        private final AtomicBoolean aborted;
        private final String context;

        BlobTask(ImageReference image, Descriptor layer, Digest diffId, PullProgress progress, AtomicBoolean aborted,
                  String context) {
            this.image = image;
            this.layer = layer;
            this.diffId = diffId;
            this.progress = progress;
            this.aborted = aborted;
            this.context = context;
        }

        public ImageReference image() {
            return image;
        }

        public Descriptor blob() {
            return layer;
        }

        /** The layer's diff id; null when the blob is the image config. */
        public Digest diffId() {
            return diffId;
        }

        public boolean isLayer() {
            return diffId != null;
        }

        public PullProgress progress() {
            return progress;
        }

        /** "pull layer sha256:… of REF": the prefix of this blob's error messages. */
        public String context() {
            return context;
        }

        /** True once another blob of the same pull failed: stop soon, keep partial ingests. */
        public boolean aborted() {
            return aborted.get();
        }

        /** Downloads (the rest of) the blob from the origin registry into an ingest; does not commit. */
        public BlobSource origin() {
            return blobSource(image, layer, progress, aborted, context);
        }

        /** The default: fetch from the origin into the store (shared with concurrent fetches, verified). */
        public BlobInfo fromOrigin() throws IOException {
            return fetchBlob(image, layer, progress, context, aborted);
        }
    }

    /**
     * The bytes of {@code blob} from repository {@code repo} of this client's registry, continuing
     * at the ingest's offset (Range), with this client's retries; for {@link ContentStore#fetch}.
     * A peer fetch is this against another agent's {@code /v2/} (see the peer package).
     */
    public BlobSource blobSource(ImageReference repo, Descriptor blob, PullProgress progress, AtomicBoolean aborted,
                                 String context) {
        return writer -> {
            try {
                download(repo, blob, writer, progress, aborted, context);
            } catch (LayerCacheException e) {
                throw e.getMessage().startsWith(context) ? e : e.withContext(context);
            }
        };
    }

    /** {@link #pull(ImageReference, Platform, PullProgress)} with layers fetched by {@code strategy}. */
    public PulledImage pull(ImageReference ref, Platform platform, PullProgress progress, PullStrategy strategy)
            throws IOException {
        // content is held by a lease of this pull until the image is named (which leases it as
        // image/<ref>); a failed pull drops it, and what it downloaded is left to gc, LRU
        String lease = "pull/" + java.util.UUID.randomUUID();
        try {
            return pull(ref, platform, progress, lease, strategy);
        } finally {
            content.leases().delete(lease);
        }
    }

    private PulledImage pull(ImageReference ref, Platform platform, PullProgress progress, String lease,
                             PullStrategy strategy) throws IOException {
        Resolved resolved = resolve(ref, platform);
        Parsed<ManifestDocument> target = resolved.target();
        Parsed<ImageManifest> manifest = resolved.manifest();
        ImageManifest m = manifest.value();
        Set<Digest> digests = new LinkedHashSet<>();
        digests.add(target.digest());
        digests.add(manifest.digest());
        digests.add(m.config().digest());
        m.layers().forEach(layer -> digests.add(layer.digest()));
        content.leases().add(lease, digests); // before anything is written: gc must not take it midway
        content.write(target.raw());
        if (!manifest.digest().equals(target.digest())) {
            content.write(manifest.raw());
        }

        String configContext = "pull config " + m.config().digest() + " of " + ref;
        strategy.blob(new BlobTask(ref, m.config(), null, PullProgress.NONE, new AtomicBoolean(), configContext));
        Parsed<ImageConfig> config;
        try {
            config = OciJson.parseImageConfig(content.readAll(m.config().digest()), m.config());
        } catch (InvalidDocumentException e) {
            throw new FailedPreconditionException(configContext + ": " + e.getMessage(), e);
        }
        if (resolved.platformUnchecked() && !platform.matches(config.value().platform())) {
            throw new io.gantry.layercache.NotFoundException("pull " + ref + ": the index entry " + manifest.digest()
                    + " declares no platform and its config says " + config.value().platform() + ", not " + platform);
        }
        if (config.value().diffIds().size() != m.layers().size()) {
            throw new FailedPreconditionException("pull " + ref + ": config " + m.config().digest() + " lists "
                    + config.value().diffIds().size() + " diff ids but manifest " + manifest.digest() + " has "
                    + m.layers().size() + " layers");
        }
        content.leases().add(lease, config.value().diffIds());

        Map<Digest, Descriptor> uniqueLayers = new LinkedHashMap<>();
        Map<Digest, Digest> diffIdOf = new LinkedHashMap<>();
        for (int i = 0; i < m.layers().size(); i++) {
            Descriptor layer = m.layers().get(i);
            uniqueLayers.putIfAbsent(layer.digest(), layer);
            diffIdOf.putIfAbsent(layer.digest(), config.value().diffIds().get(i));
        }
        List<Descriptor> unique = new ArrayList<>(uniqueLayers.values());
        runAll(unique, (layer, aborted) -> {
            if (MediaTypes.isNonDistributable(layer.mediaType()) && !layer.urls().isEmpty()) {
                throw new FailedPreconditionException("pull layer " + layer.digest() + " of " + ref
                        + ": non-distributable layer (served from " + layer.urls() + ") is not supported");
            }
            strategy.blob(new BlobTask(ref, layer, diffIdOf.get(layer.digest()), progress, aborted,
                    "pull layer " + layer.digest() + " of " + ref));
            return null;
        });
        PulledImage pulled = new PulledImage(ref, target.descriptor(), manifest, config);
        strategy.beforeNaming(pulled);
        images.put(ref, target.descriptor());
        return pulled;
    }

    /**
     * Makes sure one blob of repository {@code repo} is in the content store (downloading,
     * resuming and verifying it). The caller leases it if it must survive a gc.
     */
    public BlobInfo fetchBlob(ImageReference repo, Descriptor blob, PullProgress progress) throws IOException {
        return fetchBlob(repo, blob, progress, "pull blob " + blob.digest() + " of " + repo.name());
    }

    private BlobInfo fetchBlob(ImageReference repo, Descriptor blob, PullProgress progress, String context)
            throws IOException {
        return fetchBlob(repo, blob, progress, context, new AtomicBoolean());
    }

    private BlobInfo fetchBlob(ImageReference repo, Descriptor blob, PullProgress progress, String context,
                               AtomicBoolean aborted) throws IOException {
        boolean present = content.exists(blob.digest());
        try {
            BlobInfo info = content.fetch(blob.digest(), blob.size(),
                    writer -> download(repo, blob, writer, progress, aborted, context));
            progress.completed(blob, present);
            return info;
        } catch (LayerCacheException e) {
            throw e.getMessage().startsWith(context) ? e : e.withContext(context);
        }
    }

    private void download(ImageReference repo, Descriptor blob, ContentWriter writer, PullProgress progress,
                          AtomicBoolean aborted, String context) throws IOException {
        String host = repo.registryEndpoint();
        URI uri = http.base(host).resolve(repo.repository() + "/blobs/" + blob.digest());
        IOException last = null;
        for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
            if (attempt > 1) {
                http.sleep(options.backoff(attempt));
            }
            checkAborted(aborted);
            long offset = writer.offset();
            if (offset == blob.size()) {
                return;
            }
            Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
            AtomicReference<BlobBodySubscriber> receiving = new AtomicReference<>();
            AtomicReference<String> rejectedRange = new AtomicReference<>();
            // Decides per response what to do with its body: blob bytes go into the ingest, anything
            // else (errors, 401 challenges, redirects) is collected as bytes for the error message.
            HttpResponse.BodyHandler<byte[]> handler = info -> {
                int status = info.statusCode();
                boolean whole = status == 200;
                boolean tail = status == 206;
                if (tail) {
                    long start = rangeStart(info.headers().firstValue("Content-Range").orElse(null));
                    if (start != writer.offset()) {
                        rejectedRange.set("asked for bytes from " + writer.offset() + ", got a range from " + start);
                        return HttpResponse.BodySubscribers.replacing(new byte[0]);
                    }
                }
                if (!whole && !tail) {
                    return HttpResponse.BodySubscribers.ofByteArray();
                }
                if (whole && writer.offset() > 0) {
                    try {
                        writer.restart(); // the registry ignored Range and sends the whole blob
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }
                BlobBodySubscriber subscriber = new BlobBodySubscriber(writer, blob, progress, aborted);
                receiving.set(subscriber);
                return subscriber;
            };
            ScheduledFuture<?> stallWatch = http.watchStall(() -> {
                BlobBodySubscriber subscriber = receiving.get();
                if (subscriber != null && subscriber.idleNanos() > options.stallTimeout().toNanos()) {
                    subscriber.cancel(new IOException("no data for " + options.stallTimeout().toSeconds() + "s"));
                }
            });
            HttpResponse<byte[]> response;
            try {
                response = http.exchange(host, RegistryHttp.Call.get(uri, pullScope(repo), headers), handler);
            } catch (IOException | UncheckedIOException e) {
                IOException io = e instanceof UncheckedIOException u ? u.getCause() : (IOException) e;
                if (!RegistryHttp.retryable(io) || aborted.get()) {
                    throw io;
                }
                last = io;
                continue;
            } finally {
                stallWatch.cancel(false);
                BlobBodySubscriber subscriber = receiving.get();
                if (subscriber != null) {
                    // whatever happened, no more bytes may reach the writer from this attempt
                    subscriber.cancel(new IOException("attempt over"));
                }
            }
            int status = response.statusCode();
            if (rejectedRange.get() != null) {
                writer.restart();
                last = new IOException(rejectedRange.get());
            } else if (status == 200 || status == 206) {
                if (writer.offset() >= blob.size()) {
                    return; // the store verifies size and digest on commit
                }
                last = new IOException("connection closed after " + writer.offset() + " of " + blob.size() + " bytes");
            } else if (status == 416) {
                writer.restart();
                last = new IOException("range from " + offset + " not satisfiable");
            } else if (status >= 500 || status == 429) {
                last = http.error(host, "GET " + uri.getPath(), response, response.body());
            } else {
                throw http.error(host, "GET " + uri.getPath(), response, response.body());
            }
        }
        throw new RegistryUnavailableException(context + ": " + describe(last) + " (after " + options.maxAttempts()
                + " attempts)", last);
    }

    private static void checkAborted(AtomicBoolean aborted) throws InterruptedIOException {
        if (aborted.get()) {
            throw new InterruptedIOException("abandoned: another blob of the same image failed");
        }
    }

    private static long rangeStart(String contentRange) {
        if (contentRange != null) {
            Matcher m = CONTENT_RANGE.matcher(contentRange.trim());
            if (m.matches()) {
                return Long.parseLong(m.group(1));
            }
        }
        return -1;
    }

    private static String describe(IOException e) {
        if (e == null) {
            return "no attempt made";
        }
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private static List<String> pullScope(ImageReference repo) {
        return List.of("repository:" + repo.repository() + ":pull");
    }

    // ---- push ------------------------------------------------------------------------------

    /**
     * Pushes the image named {@code source} in the image store to {@code target}. The source needs
     * no registry: an image built or imported locally pushes the same way as a pulled one. When it
     * came from another repository of the target's registry, blobs are mounted from there.
     */
    public PushResult push(ImageReference source, ImageReference target, PushProgress progress) throws IOException {
        ImageStore.Image image = images.get(source);
        Parsed<ManifestDocument> top = images.document(image.target());
        if (target.hasDigest() && !target.digest().equals(top.digest())) {
            throw new FailedPreconditionException("push " + source + " to " + target + ": the target names digest "
                    + target.digest() + " but the image is " + top.digest());
        }
        Optional<String> mountFrom = source.registry().equals(target.registry())
                && !source.repository().equals(target.repository())
                ? Optional.of(source.repository()) : Optional.empty();
        Map<Digest, PushResult.BlobOutcome> outcomes = new ConcurrentHashMap<>();
        String context = "push " + source + " to " + target;
        if (top.value() instanceof ImageIndex index) {
            for (Descriptor child : index.manifests()) {
                if (!content.exists(child.digest())) {
                    throw new FailedPreconditionException(context + ": the index lists " + child.digest()
                            + (child.platform() == null ? "" : " (" + child.platform() + ")")
                            + " which is not in the content store (only pulled platforms are); push that manifest by itself");
                }
                Parsed<ManifestDocument> childDoc = images.document(child);
                if (childDoc.value() instanceof ImageManifest) {
                    pushImageBlobs(childDoc.as(ImageManifest.class).value(), target, mountFrom, progress, outcomes, context);
                }
                putManifest(target, child.digest().toString(), childDoc, context);
            }
        } else {
            pushImageBlobs(top.as(ImageManifest.class).value(), target, mountFrom, progress, outcomes, context);
        }
        putManifest(target, target.manifestReference(), top, context);
        return new PushResult(target.hasDigest() ? target : target.withDigest(top.digest()), top.digest(), outcomes);
    }

    private void pushImageBlobs(ImageManifest manifest, ImageReference target, Optional<String> mountFrom,
                                PushProgress progress, Map<Digest, PushResult.BlobOutcome> outcomes, String context)
            throws IOException {
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        blobs.put(manifest.config().digest(), manifest.config());
        for (Descriptor layer : manifest.layers()) {
            blobs.putIfAbsent(layer.digest(), layer);
        }
        for (Descriptor blob : blobs.values()) {
            if (!content.exists(blob.digest())) {
                throw new io.gantry.layercache.NotFoundException(context + ": blob " + blob.digest()
                        + " is not in the content store");
            }
        }
        runAll(new ArrayList<>(blobs.values()), (blob, aborted) -> {
            PushResult.BlobOutcome outcome = pushBlob(target, blob, mountFrom, progress, aborted,
                    context + ": blob " + blob.digest());
            outcomes.put(blob.digest(), outcome);
            progress.completed(blob, outcome);
            return null;
        });
    }

    private PushResult.BlobOutcome pushBlob(ImageReference target, Descriptor blob, Optional<String> mountFrom,
                                            PushProgress progress, AtomicBoolean aborted, String context)
            throws IOException {
        IOException last = null;
        for (int attempt = 1; attempt <= options.maxAttempts(); attempt++) {
            if (attempt > 1) {
                http.sleep(options.backoff(attempt));
            }
            checkAborted(aborted);
            try {
                return pushBlobOnce(target, blob, mountFrom, progress, context);
            } catch (IOException e) {
                if (!RegistryHttp.retryable(e)) {
                    throw e;
                }
                last = e;
            }
        }
        throw new RegistryUnavailableException(context + ": " + describe(last) + " (after " + options.maxAttempts()
                + " attempts)", last);
    }

    private PushResult.BlobOutcome pushBlobOnce(ImageReference target, Descriptor blob, Optional<String> mountFrom,
                                                PushProgress progress, String context) throws IOException {
        String host = target.registryEndpoint();
        URI base = http.base(host);
        String repo = target.repository();
        List<String> scopes = new ArrayList<>(List.of("repository:" + repo + ":pull,push"));
        mountFrom.ifPresent(from -> scopes.add("repository:" + from + ":pull"));

        HttpResponse<InputStream> head = http.send(host,
                RegistryHttp.Call.head(base.resolve(repo + "/blobs/" + blob.digest()), scopes), context);
        if (head.statusCode() == 200) {
            RegistryHttp.discard(head);
            return PushResult.BlobOutcome.EXISTED;
        }
        if (head.statusCode() != 404) {
            throw http.error(host, context + ": HEAD", head);
        }
        RegistryHttp.discard(head);

        URI start = base.resolve(repo + "/blobs/uploads/"
                + mountFrom.map(from -> "?mount=" + blob.digest() + "&from=" + from).orElse(""));
        HttpResponse<InputStream> started = http.send(host,
                new RegistryHttp.Call("POST", start, Map.of(), HttpRequest.BodyPublishers::noBody, scopes), context);
        if (started.statusCode() == 201 && mountFrom.isPresent()) {
            RegistryHttp.discard(started);
            return PushResult.BlobOutcome.MOUNTED;
        }
        if (started.statusCode() != 202) {
            throw http.error(host, context + ": start upload", started);
        }
        RegistryHttp.discard(started);
        URI location = location(start, started, context);

        if (blob.size() <= options.chunkSize()) {
            // exchange, not send: a PUT that consumed the upload session cannot be repeated; the
            // whole blob is retried with a new session instead (pushBlob)
            HttpResponse<InputStream> put = http.exchange(host, new RegistryHttp.Call("PUT", withDigest(location, blob.digest()),
                    Map.of("Content-Type", "application/octet-stream"),
                    () -> rangePublisher(blob, 0, blob.size(), progress), scopes));
            expectCreated(host, put, blob, context + ": upload");
            return PushResult.BlobOutcome.UPLOADED;
        }
        long offset = 0;
        while (offset < blob.size()) {
            long length = Math.min(options.chunkSize(), blob.size() - offset);
            long from = offset;
            HttpResponse<InputStream> patch = http.exchange(host, new RegistryHttp.Call("PATCH", location,
                    Map.of("Content-Type", "application/octet-stream",
                            "Content-Range", from + "-" + (from + length - 1)),
                    () -> rangePublisher(blob, from, length, progress), scopes));
            if (patch.statusCode() != 202) {
                throw http.error(host, context + ": chunk at " + from, patch);
            }
            RegistryHttp.discard(patch);
            location = location(location, patch, context);
            offset += length;
        }
        HttpResponse<InputStream> close = http.exchange(host, new RegistryHttp.Call("PUT", withDigest(location, blob.digest()),
                Map.of(), HttpRequest.BodyPublishers::noBody, scopes));
        expectCreated(host, close, blob, context + ": close upload");
        return PushResult.BlobOutcome.UPLOADED_CHUNKED;
    }

    private void expectCreated(String host, HttpResponse<InputStream> response, Descriptor blob, String context)
            throws IOException {
        if (response.statusCode() != 201) {
            throw http.error(host, context, response);
        }
        RegistryHttp.discard(response);
        String stored = RegistryHttp.header(response, "Docker-Content-Digest");
        if (stored != null && !stored.trim().equals(blob.digest().toString())) {
            throw new DigestMismatchException(context + ": registry stored " + stored.trim() + " for " + blob.digest());
        }
    }

    private static URI location(URI request, HttpResponse<?> response, String context) throws IOException {
        String location = RegistryHttp.header(response, "Location");
        if (location == null || location.isBlank()) {
            throw new FailedPreconditionException(context + ": registry answered " + response.statusCode()
                    + " without an upload Location");
        }
        return request.resolve(location.trim());
    }

    private static URI withDigest(URI location, Digest digest) {
        String s = location.toString();
        return URI.create(s + (s.contains("?") ? "&" : "?") + "digest=" + digest);
    }

    /** The bytes {@code [offset, offset+length)} of a stored blob as a request body, reporting progress. */
    private HttpRequest.BodyPublisher rangePublisher(Descriptor blob, long offset, long length, PushProgress progress) {
        return HttpRequest.BodyPublishers.fromPublisher(HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                return new RangeStream(content.openChannel(blob.digest()), offset, length, blob, progress);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }), length);
    }

    /** Reads a range of a blob file with positional reads; reports bytes sent as it goes. */
    private static final class RangeStream extends InputStream {
        private final FileChannel channel;
        private final long end;
        private final Descriptor blob;
        private final PushProgress progress;
        private long position;
        private long reported;

        RangeStream(FileChannel channel, long offset, long length, Descriptor blob, PushProgress progress) {
            this.channel = channel;
            this.position = offset;
            this.reported = offset;
            this.end = offset + length;
            this.blob = blob;
            this.progress = progress;
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (position >= end) {
                progress.progress(blob, position, blob.size());
                return -1;
            }
            int n = channel.read(ByteBuffer.wrap(b, off, (int) Math.min(len, end - position)), position);
            if (n < 0) {
                throw new IOException("blob " + blob.digest() + " ended at " + position + " of " + blob.size() + " bytes");
            }
            position += n;
            if (position - reported >= PROGRESS_STEP) {
                reported = position;
                progress.progress(blob, position, blob.size());
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            channel.close();
        }
    }

    private void putManifest(ImageReference target, String reference, Parsed<ManifestDocument> doc, String context)
            throws IOException {
        String host = target.registryEndpoint();
        URI uri = http.base(host).resolve(target.repository() + "/manifests/" + reference);
        byte[] raw = doc.raw();
        HttpResponse<InputStream> response = http.send(host, new RegistryHttp.Call("PUT", uri,
                Map.of("Content-Type", doc.mediaType()), () -> HttpRequest.BodyPublishers.ofByteArray(raw),
                List.of("repository:" + target.repository() + ":pull,push")), context);
        if (response.statusCode() != 201) {
            throw http.error(host, context + ": manifest " + doc.digest(), response);
        }
        RegistryHttp.discard(response);
        String stored = RegistryHttp.header(response, "Docker-Content-Digest");
        if (stored != null && !stored.trim().equals(doc.digest().toString())) {
            throw new DigestMismatchException(context + ": registry stored the manifest as " + stored.trim()
                    + " but Gantry sent " + doc.digest());
        }
    }

    // ---- parallelism -----------------------------------------------------------------------

    private interface TransferTask {
        Void run(Descriptor blob, AtomicBoolean aborted) throws IOException;
    }

    /**
     * Runs one task per blob on the worker pool and waits for all of them. The first failure makes
     * the others stop at their next chunk (their partial downloads stay for a later resume) and is
     * what this throws.
     */
    private void runAll(List<Descriptor> blobs, TransferTask task) throws IOException {
        AtomicBoolean aborted = new AtomicBoolean();
        List<Future<Void>> futures = new ArrayList<>();
        for (Descriptor blob : blobs) {
            futures.add(workers.submit(() -> {
                if (aborted.get()) {
                    return null;
                }
                try {
                    return task.run(blob, aborted);
                } catch (IOException | RuntimeException | Error e) {
                    aborted.set(true);
                    throw e;
                }
            }));
        }
        Throwable first = null;
        for (Future<Void> future : futures) {
            try {
                future.get();
            } catch (InterruptedException e) {
                aborted.set(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted while transferring blobs");
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                // keep the root failure, not the "abandoned" ones it caused
                if (first == null || (first instanceof InterruptedIOException && !(cause instanceof InterruptedIOException))) {
                    first = cause;
                }
            }
        }
        if (first instanceof IOException io) {
            throw io;
        }
        if (first instanceof RuntimeException re) {
            throw re;
        }
        if (first instanceof Error error) {
            throw error;
        }
    }

    @Override
    public void close() {
        workers.shutdownNow();
        http.close();
    }
}
