package io.gantry.agent.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.gantry.agent.snapshot.Mount;
import io.gantry.agent.snapshot.Mounter;
import io.gantry.agent.snapshot.SnapshotException;
import io.gantry.agent.snapshot.SnapshotInfo;
import io.gantry.agent.snapshot.Snapshotter;
import io.gantry.agent.snapshot.SnapshotterProbe;
import io.gantry.agent.unpack.LayerUnpacker;
import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.NotFoundException;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.content.GcReport;
import io.gantry.layercache.distribution.PulledImage;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.PushResult;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.layout.ImageImporter;
import io.gantry.layercache.layout.OciLayoutExporter;
import io.gantry.layercache.peer.PeerDirectory;
import io.gantry.layercache.peer.PeerFetcher;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageIndex;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.ManifestDocument;
import io.gantry.protocol.oci.OciJson;
import io.gantry.protocol.oci.Parsed;
import io.gantry.protocol.oci.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node's images: the facade the node API, the CLI and the container supervisor use, over the
 * content store, the registry client, peer fetch, the layer unpacker and the snapshotter. One
 * per data directory, laid out as the design says:
 * <pre>
 * DATA/blobs/sha256/&lt;hex&gt;     verified blobs (manifests, configs, compressed layers)
 * DATA/ingest/                 partial downloads, resumed by the next attempt
 * DATA/leases/, images.json    what keeps content alive; image names
 * DATA/layers/&lt;diff-id&gt;/     unpacked layers, read-only, shared by every container
 * DATA/snapshots/&lt;kind&gt;/      the snapshotter: committed chains and writable top layers
 * </pre>
 *
 * <p><b>Pull</b> resolves the reference, fetches the config, then every layer in parallel
 * (local store → a peer that has it → the origin), unpacking each while it downloads and
 * verifying both the blob digest and the diff id before anything is visible ({@link LayerFetch});
 * then it creates the committed snapshot chain, one snapshot per layer named by its OCI ChainID
 * ({@link ChainIds}), and finally names the image. A failed pull names nothing.
 *
 * <p><b>Lifetimes</b> are leases: an image holds {@code image/<name>} (its blobs and diff ids);
 * a container's writable snapshot holds {@code container/<id>} and a mounted snapshot
 * {@code mount/<dir>}, each on the content of the image it was made from, so removing an image's
 * name never pulls the floor from under a container. {@link #gc} frees what no lease holds,
 * blobs and unpacked layers together ({@link LayerGc}), least recently used first, down to the
 * configured budget.
 *
 * <p><b>For the container supervisor</b>: {@link #prepareRootfs} returns the mounts of a new
 * writable snapshot of the image for a container (idempotent: called again after an agent
 * restart it returns the same snapshot's mounts), and {@link #releaseRootfs} removes it. The
 * caller mounts and unmounts; Gantry's snapshotters never mount.
 */
public final class ImageService implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(ImageService.class);

    /**
     * How the service works.
     *
     * @param registry     registry client options (credentials, concurrency, retries); plain
     *                     HTTP is chosen per call
     * @param platform     the platform pulled from multi-platform images
     * @param gcBudget     bytes that blobs and unpacked layers may use after a gc
     * @param peers        who else may have a blob ({@link PeerDirectory#NONE}: nobody)
     * @param clusterToken the token peers want on their {@code /v2/} route (null: none)
     * @param snapshotter  "auto" (probe: overlay where it works, else copy), "overlay" or "copy"
     * @param syncLayers   syncfs before an unpacked layer becomes visible (on in production)
     */
    public record Options(RegistryOptions registry, Platform platform, long gcBudget, PeerDirectory peers,
                          String clusterToken, String snapshotter, boolean syncLayers) {
        public Options {
            if (gcBudget < 0) {
                throw new IllegalArgumentException("image gc budget must not be negative, got " + gcBudget);
            }
            if (!List.of("auto", "overlay", "copy").contains(snapshotter)) {
                throw new IllegalArgumentException("snapshotter must be auto, overlay or copy, got '" + snapshotter + "'");
            }
        }

        public static Options defaults() {
            return new Options(RegistryOptions.defaults(), Platform.host(), 20L << 30, PeerDirectory.NONE, null,
                    "auto", true);
        }

        public Options withPeers(PeerDirectory peers, String clusterToken) {
            return new Options(registry, platform, gcBudget, peers, clusterToken, snapshotter, syncLayers);
        }

        public Options withGcBudget(long bytes) {
            return new Options(registry, platform, bytes, peers, clusterToken, snapshotter, syncLayers);
        }

        public Options withRegistry(RegistryOptions registry) {
            return new Options(registry, platform, gcBudget, peers, clusterToken, snapshotter, syncLayers);
        }

        public Options withSnapshotter(String kind) {
            return new Options(registry, platform, gcBudget, peers, clusterToken, kind, syncLayers);
        }

        public Options withSyncLayers(boolean sync) {
            return new Options(registry, platform, gcBudget, peers, clusterToken, snapshotter, sync);
        }
    }

    private static final String MOUNT_KEY = "mount/";
    private static final String CONTAINER_KEY = "container/";
    private static final String INIT_KEY = "init/";

    private final Path dataDir;
    private final Options options;
    private final ContentStore content;
    private final ImageStore images;
    private final LayerUnpacker unpacker;
    private final Snapshotter snapshotter;
    private final Mounter mounter = new Mounter();
    private final PeerFetcher peers;
    private final ExecutorService unpackPool;
    private final Map<Digest, CompletableFuture<Void>> layerFlights = new ConcurrentHashMap<>();
    private final LayerGc layerGc;
    private final Map<Boolean, RegistryClient> registries = new ConcurrentHashMap<>();
    private final Object chainLock = new Object();
    /**
     * Images whose layers are unpacked and chain committed, by target digest, with what a
     * container of theirs leases: a warm container start skips re-reading and re-verifying the
     * image's documents. Cleared whenever chains are pruned (image removal, gc).
     */
    private final Map<Digest, ChainReady> chainsReady = new ConcurrentHashMap<>();

    private record ChainReady(String topChain, Set<Digest> closure) {
    }

    private ImageService(Path dataDir, Options options) throws IOException {
        this.dataDir = dataDir.toAbsolutePath().normalize();
        this.options = options;
        this.content = ContentStore.open(this.dataDir);
        this.images = ImageStore.open(content);
        this.unpacker = new LayerUnpacker(this.dataDir.resolve("layers"), options.syncLayers(),
                LayerUnpacker.DEFAULT_BUFFER_SIZE);
        unpacker.removeTemporary();
        Path snapshots = this.dataDir.resolve("snapshots");
        this.snapshotter = switch (options.snapshotter()) {
            case "overlay" -> new io.gantry.agent.snapshot.OverlaySnapshotter(snapshots.resolve("overlay"), unpacker::directory);
            case "copy" -> new io.gantry.agent.snapshot.CopySnapshotter(snapshots.resolve("copy"), unpacker::directory);
            default -> SnapshotterProbe.open(snapshots, unpacker::directory);
        };
        this.peers = new PeerFetcher(images, options.peers(), PeerFetcher.peerOptions(options.clusterToken()));
        AtomicInteger n = new AtomicInteger();
        this.unpackPool = Executors.newCachedThreadPool(r -> {
            Thread t = new Thread(r, "gantry-unpack-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        this.layerGc = new LayerGc(unpacker, content.leases(), layerFlights, this::pruneChainsQuietly);
    }

    /** Opens (creating) the image service of the data directory {@code dataDir}. */
    public static ImageService open(Path dataDir, Options options) throws IOException {
        return new ImageService(dataDir, options);
    }

    public Path dataDir() {
        return dataDir;
    }

    public Options options() {
        return options;
    }

    public ContentStore content() {
        return content;
    }

    public ImageStore images() {
        return images;
    }

    public LayerUnpacker unpacker() {
        return unpacker;
    }

    public Snapshotter snapshotter() {
        return snapshotter;
    }

    // ---- pull ------------------------------------------------------------------------------

    /** Per-call pull options; {@code platform} null means the service's platform. */
    public record PullOptions(boolean plainHttp, Platform platform) {
        public static PullOptions defaults() {
            return new PullOptions(false, null);
        }
    }

    /**
     * Pulls {@code ref}: afterwards its blobs are verified in the store, its layers unpacked, its
     * snapshot chain committed and the name points at it. Progress per layer goes to
     * {@code listener}.
     */
    public PullResult pull(ImageReference ref, PullOptions pullOptions, PullListener listener) throws IOException {
        long start = System.nanoTime();
        Platform platform = pullOptions.platform() != null ? pullOptions.platform() : options.platform();
        LayerFetch fetch = new LayerFetch(ref, content, unpacker, peers, unpackPool, layerFlights, listener,
                this::createChain);
        PulledImage pulled = registry(pullOptions.plainHttp()).pull(ref, platform, fetch.progress, fetch);
        for (Digest diffId : pulled.diffIds()) {
            layerGc.used(diffId);
        }
        log.info("pulled {} ({} layers) in {} s; sources: {}", ref, pulled.layers().size(),
                String.format(java.util.Locale.ROOT, "%.2f", (System.nanoTime() - start) / 1e9), fetch.attempts());
        return new PullResult(ref.toString(), pulled.target().digest().toString(), pulled.manifestDigest().toString(),
                topChain(pulled.diffIds()), pulled.layers().stream().map(l -> l.digest().toString()).toList(),
                pulled.manifest().value().layersSize(), (System.nanoTime() - start) / 1e9, snapshotter.kind());
    }

    private RegistryClient registry(boolean plainHttp) {
        return registries.computeIfAbsent(plainHttp,
                plain -> new RegistryClient(images, options.registry().withPlainHttp(plain)));
    }

    /** Commits one snapshot per layer, named by ChainID, each on the one below (idempotent). */
    private void createChain(List<Digest> diffIds) throws IOException {
        List<Digest> chain = ChainIds.of(diffIds);
        synchronized (chainLock) {
            for (int i = 0; i < chain.size(); i++) {
                snapshotter.importLayer(chain.get(i).toString(), i == 0 ? null : chain.get(i - 1).toString(),
                        diffIds.get(i));
            }
        }
    }

    private static String topChain(List<Digest> diffIds) {
        Digest top = ChainIds.top(diffIds);
        return top == null ? null : top.toString();
    }

    // ---- reading ---------------------------------------------------------------------------

    /** The named images, by name. */
    public List<ImageSummary> list() throws IOException {
        List<ImageSummary> out = new ArrayList<>();
        for (ImageStore.Image image : images.list()) {
            String created = null;
            long size = -1;
            int layers = -1;
            try {
                Parsed<ImageManifest> manifest = images.manifest(image, options.platform());
                Parsed<ImageConfig> config = images.config(manifest);
                created = config.value().created() == null ? null : config.value().created().toString();
                size = manifest.value().layersSize();
                layers = manifest.value().layers().size();
            } catch (NotFoundException e) {
                // named, but not for this platform (an index whose other manifests were pulled)
            }
            out.add(new ImageSummary(image.name().toString(), image.target().digest().toString(), created, size, layers,
                    image.updated().toString()));
        }
        return out;
    }

    /**
     * What {@code ref} is: its name and digest, the manifest and config (and index) as stored,
     * and per layer its blob, diff id, ChainID and whether it is unpacked here.
     */
    public ObjectNode inspect(ImageReference ref) throws IOException {
        ImageStore.Image image = images.get(ref);
        ObjectNode out = OciJson.mapper().createObjectNode();
        out.put("reference", image.name().toString());
        out.put("digest", image.target().digest().toString());
        out.put("mediaType", image.target().mediaType());
        out.put("tagged", image.updated().toString());
        Parsed<ManifestDocument> top = images.document(image.target());
        if (top.value() instanceof ImageIndex) {
            out.set("index", json(top.raw()));
        }
        Parsed<ImageManifest> manifest = images.manifest(image, options.platform());
        Parsed<ImageConfig> config = images.config(manifest);
        out.put("manifestDigest", manifest.digest().toString());
        out.put("configDigest", manifest.value().config().digest().toString());
        out.put("platform", config.value().platform().toString());
        out.put("size", manifest.value().layersSize());
        out.put("snapshotter", snapshotter.kind());
        List<Digest> diffIds = config.value().diffIds();
        List<Digest> chain = ChainIds.of(diffIds);
        ArrayNode layers = out.putArray("layers");
        for (int i = 0; i < manifest.value().layers().size(); i++) {
            Descriptor layer = manifest.value().layers().get(i);
            ObjectNode l = layers.addObject();
            l.put("digest", layer.digest().toString());
            l.put("mediaType", layer.mediaType());
            l.put("size", layer.size());
            if (i < diffIds.size()) {
                l.put("diffId", diffIds.get(i).toString());
                l.put("chainId", chain.get(i).toString());
                l.put("unpacked", unpacker.isUnpacked(diffIds.get(i)));
            }
        }
        out.set("manifest", json(manifest.raw()));
        out.set("config", json(config.raw()));
        return out;
    }

    private static JsonNode json(byte[] raw) throws IOException {
        return OciJson.mapper().readTree(raw);
    }

    /**
     * One row per history entry, newest first, like {@code docker history}: a step that made a
     * layer shows that layer's blob size, a metadata-only step 0. An image whose config has no
     * history gets one row per layer.
     */
    public List<HistoryRow> history(ImageReference ref) throws IOException {
        ImageStore.Image image = images.get(ref);
        Parsed<ImageManifest> manifest = images.manifest(image, options.platform());
        ImageConfig config = images.config(manifest).value();
        List<Descriptor> layers = manifest.value().layers();
        List<HistoryRow> rows = new ArrayList<>();
        if (config.history().isEmpty()) {
            for (Descriptor layer : layers) {
                rows.add(new HistoryRow(null, null, layer.size(), false, layer.digest().toString(), null));
            }
        } else {
            int next = 0;
            for (ImageConfig.History h : config.history()) {
                String created = h.created() == null ? null : h.created().toString();
                if (h.emptyLayer()) {
                    rows.add(new HistoryRow(created, h.createdBy(), 0, true, null, h.comment()));
                } else {
                    Descriptor layer = next < layers.size() ? layers.get(next++) : null;
                    rows.add(new HistoryRow(created, h.createdBy(), layer == null ? 0 : layer.size(), false,
                            layer == null ? null : layer.digest().toString(), h.comment()));
                }
            }
        }
        Collections.reverse(rows);
        return rows;
    }

    // ---- removal and gc --------------------------------------------------------------------

    /**
     * Forgets the name and drops its lease; content another image, a container or a mount still
     * uses stays. The image's committed snapshots go unless another image or a snapshot on top
     * still needs them. The bytes are freed by the next {@link #gc}.
     */
    public void remove(ImageReference ref) throws IOException {
        if (!images.remove(ref)) {
            throw new NotFoundException("image " + ref + " not found");
        }
        pruneChains();
    }

    /** {@link #gc(long)} to the configured budget. */
    public GcReport gc() throws IOException {
        return gc(options.gcBudget());
    }

    /**
     * Frees blobs and unpacked layers no lease holds (no image, container or mount uses them),
     * least recently used first, until they fit {@code budget} bytes.
     */
    public GcReport gc(long budget) throws IOException {
        pruneChains();
        return content.gc(budget, List.of(layerGc));
    }

    /**
     * Removes committed chain snapshots that no named image's layer stack needs, top first;
     * one that a container's or a mount's snapshot stands on stays (it has children).
     */
    void pruneChains() throws IOException {
        synchronized (chainLock) {
            Set<String> wanted = new HashSet<>();
            for (ImageStore.Image image : images.list()) {
                try {
                    Parsed<ImageManifest> manifest = images.manifest(image, options.platform());
                    for (Digest chain : ChainIds.of(images.config(manifest).value().diffIds())) {
                        wanted.add(chain.toString());
                    }
                } catch (NotFoundException e) {
                    // no manifest for this platform: it has no chain here
                }
            }
            Map<String, SnapshotInfo> byName = new HashMap<>();
            for (SnapshotInfo info : snapshotter.list()) {
                byName.put(info.name(), info);
            }
            List<SnapshotInfo> chains = new ArrayList<>();
            for (SnapshotInfo info : byName.values()) {
                boolean unwantedChain = isDigest(info.name()) && !wanted.contains(info.name());
                boolean unwantedInit = info.name().startsWith(INIT_KEY)
                        && !wanted.contains(info.name().substring(INIT_KEY.length()));
                if (info.kind() == SnapshotInfo.Kind.COMMITTED && (unwantedChain || unwantedInit)) {
                    chains.add(info);
                }
            }
            chains.sort((a, b) -> Integer.compare(depth(b, byName), depth(a, byName)));
            for (SnapshotInfo info : chains) {
                try {
                    snapshotter.remove(info.name());
                    chainsReady.clear(); // a chain went: check images again before their next container
                } catch (SnapshotException e) {
                    if (e.reason() != SnapshotException.Reason.FAILED_PRECONDITION) {
                        throw e;
                    }
                    // a container's or mount's snapshot (or a kept chain) stands on it
                }
            }
        }
    }

    private void pruneChainsQuietly() {
        try {
            pruneChains();
        } catch (IOException e) {
            log.warn("pruning committed snapshots failed: {}", e.getMessage());
        }
    }

    private static int depth(SnapshotInfo info, Map<String, SnapshotInfo> byName) {
        int depth = 0;
        for (SnapshotInfo at = info; at != null && at.parent() != null && depth < 10_000; at = byName.get(at.parent())) {
            depth++;
        }
        return depth;
    }

    private static boolean isDigest(String name) {
        try {
            Digest.parse(name);
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    // ---- import, export, push --------------------------------------------------------------

    /**
     * Imports an OCI image layout (directory or tar) or a {@code docker save} archive, then unpacks
     * each imported image's layers and commits its snapshot chain. Returns the names imported.
     */
    public List<String> importArchive(Path path) throws IOException {
        List<ImageStore.Image> imported = new ImageImporter(images).importFrom(path.toAbsolutePath(), null);
        List<String> names = new ArrayList<>();
        for (ImageStore.Image image : imported) {
            try {
                ensureChain(image);
            } catch (NotFoundException e) {
                log.info("imported {} has no manifest for {}; not unpacked", image.name(), options.platform());
            }
            names.add(image.name().toString());
        }
        return names;
    }

    /** Writes {@code ref} as an OCI image layout into {@code dir}. */
    public void export(ImageReference ref, Path dir) throws IOException {
        images.get(ref);
        new OciLayoutExporter(images).exportDirectory(List.of(ref), dir.toAbsolutePath());
    }

    /** Pushes the local image {@code source} to {@code target}. */
    public PushResult push(ImageReference source, ImageReference target, boolean plainHttp, PushProgress progress)
            throws IOException {
        images.get(source);
        return registry(plainHttp).push(source, target, progress);
    }

    // ---- snapshots for people and containers -----------------------------------------------

    /**
     * A read-write snapshot of {@code ref} mounted at {@code dir} (created when missing), like
     * {@code ctr image mount}: writes go to the snapshot's own upper layer, never to the image.
     * {@link #unmount} takes it down and removes the snapshot.
     */
    public MountedImage mount(ImageReference ref, Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        String key = MOUNT_KEY + target;
        ImageStore.Image image = images.get(ref);
        if (exists(key)) {
            throw new SnapshotException(SnapshotException.Reason.ALREADY_EXISTS,
                    target + " already has an image mounted (gantry image unmount " + target + " first)");
        }
        String parent = ensureChain(image);
        Files.createDirectories(target);
        if (Files.isSymbolicLink(target) || !Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
            throw new FailedPreconditionException("mount " + ref + ": " + target + " is not a directory");
        }
        String lease = key;
        content.leases().put(lease, images.closure(image.target()));
        List<Mount> mounts;
        try {
            mounts = snapshotter.prepare(key, parent);
        } catch (IOException | RuntimeException e) {
            content.leases().delete(lease);
            throw e;
        }
        try {
            mounter.mount(mounts, target);
        } catch (IOException | RuntimeException e) {
            snapshotter.remove(key);
            content.leases().delete(lease);
            throw e;
        }
        return new MountedImage(image.name().toString(), target.toString(), key, describe(mounts));
    }

    /** Unmounts what {@link #mount} mounted at {@code dir} and removes its snapshot (its writes go). */
    public void unmount(Path dir) throws IOException {
        Path target = dir.toAbsolutePath().normalize();
        String key = MOUNT_KEY + target;
        if (!exists(key)) {
            throw new NotFoundException("no image is mounted at " + target + " (by gantry image mount)");
        }
        mounter.unmountAll(target);
        snapshotter.remove(key);
        content.leases().delete(key);
        pruneChains();
    }

    /**
     * The mounts of container {@code containerId}'s root file system: a new writable snapshot on
     * the image's committed chain, keyed {@code container/<id>}, with the image's content leased
     * for as long as it exists. Idempotent: a second call (an agent that restarted) returns the
     * existing snapshot's mounts. The caller mounts them at the bundle's rootfs and calls
     * {@link #releaseRootfs} when the container is gone. The image must be on the node (pulled).
     */
    public List<Mount> prepareRootfs(String containerId, ImageReference imageRef) throws IOException {
        return prepareRootfs(containerId, imageRef, null);
    }

    /**
     * A layer Gantry puts between an image and a container's writable layer (the container
     * agent's init layer of empty mount points, as Docker's): its diff id and its uncompressed
     * tar, unpacked once when first needed.
     */
    public record InitLayer(Digest diffId, java.util.function.Supplier<java.io.InputStream> tar) {
    }

    /**
     * {@link #prepareRootfs(String, ImageReference)} with {@code init} (null: none) stacked on the
     * image's chain as the committed snapshot {@code init/<chain id>}, shared by the image's
     * containers, so what the runtime creates as mount points never lands in a writable layer.
     * It stays when the image's last container goes (the next container of the image finds it)
     * and goes with the image ({@link #pruneChains}).
     */
    public List<Mount> prepareRootfs(String containerId, ImageReference imageRef, InitLayer init) throws IOException {
        if (containerId == null || containerId.isBlank() || containerId.contains("/")) {
            throw new IllegalArgumentException("container id must be a non-empty name without '/': '" + containerId + "'");
        }
        String key = CONTAINER_KEY + containerId;
        if (exists(key)) {
            return snapshotter.mounts(key);
        }
        ImageStore.Image image = images.get(imageRef);
        ChainReady known = chainsReady.get(image.target().digest());
        String parent;
        Set<Digest> closure;
        if (known != null) {
            parent = known.topChain();
            closure = known.closure();
        } else {
            parent = ensureChain(image);
            closure = images.closure(image.target());
            chainsReady.put(image.target().digest(), new ChainReady(parent, closure));
        }
        if (init != null) {
            if (!unpacker.isUnpacked(init.diffId())) {
                try (java.io.InputStream tar = init.tar().get()) {
                    unpacker.unpack(init.diffId(), tar);
                }
            }
            String initName = INIT_KEY + (parent == null ? "empty" : parent);
            synchronized (chainLock) {
                snapshotter.importLayer(initName, parent, init.diffId(), false); // made again when missing
            }
            parent = initName;
        }
        Set<Digest> leased = new HashSet<>(closure);
        if (init != null) {
            leased.add(init.diffId()); // the unpacked init layer stays while a container stands on it
        }
        content.leases().putTransient(key, leased); // the container's lease ends with the machine anyway
        try {
            return snapshotter.prepare(key, parent);
        } catch (IOException | RuntimeException e) {
            content.leases().delete(key);
            throw e;
        }
    }

    /**
     * Removes container {@code containerId}'s writable snapshot (detaching a mount still on it)
     * and its lease; then the committed snapshots no image wants any more (the init snapshot
     * of an image that is gone among them). Repeatable: a second call does nothing.
     */
    public void releaseRootfs(String containerId) throws IOException {
        String key = CONTAINER_KEY + containerId;
        snapshotter.remove(key);
        content.leases().delete(key);
        pruneChains();
    }

    /** Unpacks what is missing of the image's layers (from its blobs) and commits its chain; returns the top ChainID. */
    private String ensureChain(ImageStore.Image image) throws IOException {
        Parsed<ImageManifest> manifest = images.manifest(image, options.platform());
        List<Digest> diffIds = images.config(manifest).value().diffIds();
        List<Descriptor> layers = manifest.value().layers();
        for (int i = 0; i < layers.size(); i++) {
            Digest diffId = diffIds.get(i);
            layerGc.used(diffId);
            if (unpacker.isUnpacked(diffId)) {
                continue;
            }
            if (!content.exists(layers.get(i).digest())) {
                throw new NotFoundException("image " + image.name() + ": layer " + layers.get(i).digest()
                        + " is neither unpacked nor in the content store; pull the image again");
            }
            LayerFetch.unpackFromStore(image.name(), content, unpacker, layers.get(i), diffId);
        }
        createChain(diffIds);
        return topChain(diffIds);
    }

    private boolean exists(String key) throws IOException {
        try {
            snapshotter.stat(key);
            return true;
        } catch (SnapshotException e) {
            if (e.reason() == SnapshotException.Reason.NOT_FOUND) {
                return false;
            }
            throw e;
        }
    }

    private static List<String> describe(List<Mount> mounts) {
        return mounts.stream().map(m -> m.type() + " " + m.source() + " " + String.join(",", m.options())).toList();
    }

    @Override
    public void close() {
        unpackPool.shutdownNow();
        registries.values().forEach(RegistryClient::close);
        peers.close();
        mounter.close();
    }
}
