package io.gantry.agent.image;

import io.gantry.agent.posix.Posix;
import io.gantry.agent.snapshot.SnapshotInfo;
import io.gantry.agent.testing.TestLayer;
import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.NotFoundException;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.content.GcReport;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.image.LayerContent;
import io.gantry.layercache.peer.StaticPeerDirectory;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.layercache.testing.PeerServer;
import io.gantry.layercache.testing.RegistryProxy;
import io.gantry.layercache.testing.TestImages;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.OciJson;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The node's image service against real parts: Debian's docker-registry, images Gantry builds
 * and pushes itself, overlay (or copy) snapshots mounted for real. Needs root for the mounts.
 */
class ImageServiceTest {

    static final Platform AMD64 = Platform.of("linux", "amd64");
    static final String TOKEN = "cluster-token";

    @TempDir
    static Path shared;
    static LocalRegistry registry;
    static ImageStore build;
    static ImageReference busybox;
    static ImageBuilder.BuiltImage busyboxImage;
    static ImageReference random;
    static ImageBuilder.BuiltImage randomImage;

    @TempDir
    Path dir;
    ImageService service;
    final List<AutoCloseable> closeLater = new ArrayList<>();

    @BeforeAll
    static void registryWithImages() throws IOException {
        registry = LocalRegistry.start(shared);
        build = ImageStore.open(ContentStore.open(shared.resolve("build")));
        busybox = ref("busybox:1");
        busyboxImage = TestImages.busybox(build, busybox, ImageBuilder.Format.OCI);
        random = ref("random:1");
        randomImage = TestImages.random(build, random, 3 * 1024 * 1024, 5, ImageBuilder.Format.DOCKER);
        push(busybox);
        push(random);
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @BeforeEach
    void open() throws IOException {
        service = open(dir.resolve("node"), ImageService.Options.defaults());
    }

    @AfterEach
    void close() throws Exception {
        // a failed assertion between mount and unmount must not leave a mount behind
        List<String> mounted = new ArrayList<>(Files.readAllLines(Path.of("/proc/self/mounts")).stream()
                .map(line -> line.split(" ")[1]).filter(point -> point.startsWith(dir.toString())).toList());
        java.util.Collections.reverse(mounted);
        try (io.gantry.agent.snapshot.Mounter mounter = new io.gantry.agent.snapshot.Mounter()) {
            for (String point : mounted) {
                mounter.unmountAll(Path.of(point));
            }
        }
        for (AutoCloseable c : closeLater) {
            c.close();
        }
        service.close();
    }

    static ImageReference ref(String repoAndTag) {
        return ImageReference.parse(registry.hostPort() + "/" + repoAndTag);
    }

    static void push(ImageReference name) throws IOException {
        try (RegistryClient client = new RegistryClient(build, RegistryOptions.defaults().withPlainHttp(true))) {
            client.push(name, name, PushProgress.NONE);
        }
    }

    static RegistryOptions quickRetries() {
        return RegistryOptions.defaults().withRetries(3, Duration.ofMillis(10), Duration.ofMillis(50));
    }

    ImageService open(Path data, ImageService.Options options) throws IOException {
        ImageService s = ImageService.open(data, options.withRegistry(quickRetries()).withSyncLayers(false));
        if (s != service) {
            closeLater.add(s);
        }
        return s;
    }

    static ImageService.PullOptions plain() {
        return new ImageService.PullOptions(true, AMD64);
    }

    static void assumeRoot() {
        Assumptions.assumeTrue(Posix.get().isRoot(), "mounting snapshots needs root");
    }

    /** An image of one layer given as raw blob bytes, with the diff id the config claims. */
    static ImageReference rawImage(String repo, byte[] layerBlob, Digest diffId) throws IOException {
        ContentStore content = build.content();
        BlobInfo layer = content.write(layerBlob);
        byte[] config = OciJson.write(ImageConfig.of(AMD64, ContainerConfig.EMPTY, List.of(diffId)));
        Descriptor configDescriptor = Descriptor.forContent(MediaTypes.OCI_CONFIG, config);
        content.write(config);
        byte[] manifest = OciJson.write(ImageManifest.oci(configDescriptor,
                List.of(Descriptor.of(MediaTypes.OCI_LAYER_TAR_GZIP, layer.digest(), layer.size()))));
        Descriptor manifestDescriptor = Descriptor.forContent(MediaTypes.OCI_MANIFEST, manifest);
        content.write(manifest);
        ImageReference name = ref(repo + ":1");
        build.put(name, manifestDescriptor);
        push(name);
        return name;
    }

    static List<String> children(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    static String chainId(String previous, Digest diffId) {
        return Digest.sha256((previous + " " + diffId).getBytes(StandardCharsets.UTF_8)).toString();
    }

    // ---- pull, mount, chain --------------------------------------------------------------------

    @Test
    void aPulledImageMountsWithWhiteoutsAndOpaqueDirectoriesAndWritesStayInTheUpperLayer() throws IOException {
        assumeRoot();
        List<PullEvent> events = new CopyOnWriteArrayList<>();
        PullResult result = service.pull(busybox, plain(), events::add);
        assertEquals(3, result.layers().size());
        assertTrue(events.stream().filter(e -> e.status().equals("done")).count() >= 3, events.toString());

        // the chain: one committed snapshot per layer, named by ChainID (OCI image spec)
        List<Digest> diffIds = busyboxImage.config().value().diffIds();
        String c0 = diffIds.get(0).toString();
        String c1 = chainId(c0, diffIds.get(1));
        String c2 = chainId(c1, diffIds.get(2));
        assertEquals(c2, result.chainId());
        assertEquals(SnapshotInfo.Kind.COMMITTED, service.snapshotter().stat(c2).kind());
        assertEquals(c1, service.snapshotter().stat(c2).parent());
        assertEquals(c0, service.snapshotter().stat(c1).parent());

        Path merged = dir.resolve("merged");
        MountedImage mounted = service.mount(busybox, merged);
        try {
            assertTrue(Files.isRegularFile(merged.resolve("bin/busybox")));
            assertEquals("busybox", Files.readSymbolicLink(merged.resolve("bin/sh")).toString());
            assertFalse(Files.exists(merged.resolve("etc/motd"), LinkOption.NOFOLLOW_LINKS), "whiteout hides etc/motd");
            assertEquals(List.of("c.txt"), children(merged.resolve("var/cache/app")), "the opaque dir hides a.txt, b.txt");
            assertEquals("#!/bin/sh\necho hello from gantry\n", Files.readString(merged.resolve("app/run.sh")));
            assertEquals("gantry\n", Files.readString(merged.resolve("etc/hostname.default")));

            Path rootfsLayer = service.unpacker().directory(diffIds.get(0));
            String passwdBefore = Files.readString(rootfsLayer.resolve("etc/passwd"));
            Files.writeString(merged.resolve("etc/passwd"), "changed\n");
            Files.writeString(merged.resolve("etc/new.txt"), "new\n");
            Files.delete(merged.resolve("var/cache/app/c.txt"));
            assertEquals(passwdBefore, Files.readString(rootfsLayer.resolve("etc/passwd")), "the lower layer is untouched");
            for (Digest diffId : diffIds) {
                assertFalse(Files.exists(service.unpacker().directory(diffId).resolve("etc/new.txt")));
            }
            assertTrue(Files.exists(service.unpacker().directory(diffIds.get(1)).resolve("var/cache/app/c.txt")));
            if (service.snapshotter().kind().equals("overlay")) {
                String upper = mounted.mounts().get(0).replaceAll(".*upperdir=([^,]+).*", "$1");
                assertEquals("new\n", Files.readString(Path.of(upper, "etc/new.txt")));
            }
        } finally {
            service.unmount(merged);
        }
        assertEquals(List.of(), children(merged), "unmounted: the directory is empty again");
        assertThrows(NotFoundException.class, () -> service.unmount(merged));
        // a new mount starts from the image again: the first mount's writes went with its snapshot
        service.mount(busybox, merged);
        try {
            assertFalse(Files.exists(merged.resolve("etc/new.txt")));
        } finally {
            service.unmount(merged);
        }
    }

    @Test
    void listInspectAndHistory() throws IOException {
        service.pull(busybox, plain(), PullListener.NONE);
        List<ImageSummary> list = service.list();
        assertEquals(1, list.size());
        assertEquals(busybox.toString(), list.get(0).reference());
        assertEquals(busyboxImage.digest().toString(), list.get(0).digest());
        assertEquals(3, list.get(0).layers());

        var inspect = service.inspect(busybox);
        assertEquals(busyboxImage.digest().toString(), inspect.path("digest").asText());
        assertEquals("/app", inspect.path("config").path("config").path("WorkingDir").asText());
        assertEquals(3, inspect.path("manifest").path("layers").size());
        assertTrue(inspect.path("layers").get(2).path("unpacked").asBoolean());

        List<HistoryRow> history = service.history(busybox);
        assertEquals(4, history.size());
        assertEquals("COPY app /app", history.get(0).createdBy(), "newest first");
        assertEquals("ENV PATH=/bin", history.get(2).createdBy());
        assertTrue(history.get(2).emptyLayer());
        assertEquals(0, history.get(2).size());
        assertEquals(busyboxImage.manifest().value().layers().get(0).size(), history.get(3).size());
        assertThrows(NotFoundException.class, () -> service.history(ref("nope:1")));
    }

    // ---- refused content --------------------------------------------------------------------

    @Test
    void aLayerThatEscapesIsRefusedNamingImageLayerAndEntryAndLeavesNothing() throws IOException {
        Path host = Files.createDirectories(dir.resolve("host"));
        TestLayer evil = new TestLayer().dir("ok", 0755).symlink("evil", host.toString()).file("evil/pwned.txt", "x", 0644);
        ImageReference name = rawImage("evil-symlink", evil.gzip(), evil.diffId());
        LayerRejectedException e = assertThrows(LayerRejectedException.class,
                () -> service.pull(name, plain(), PullListener.NONE));
        assertTrue(e.getMessage().contains(name.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(evil.diffId().toString()), e.getMessage());
        assertTrue(e.getMessage().contains("evil/pwned.txt"), e.getMessage());
        assertEquals("evil/pwned.txt", e.entry());
        assertEquals(List.of(), children(host), "the host is untouched");
        assertNothingVisible(evil.diffId(), name);

        TestLayer dotdot = new TestLayer().file("../../../escaped-" + dir.getFileName() + ".txt", "x", 0644);
        ImageReference second = rawImage("evil-dotdot", dotdot.gzip(), dotdot.diffId());
        LayerRejectedException e2 = assertThrows(LayerRejectedException.class,
                () -> service.pull(second, plain(), PullListener.NONE));
        assertTrue(e2.getMessage().contains("escaped-"), e2.getMessage());
        try (Stream<Path> all = Files.walk(dir)) {
            assertTrue(all.noneMatch(p -> p.getFileName().toString().startsWith("escaped-")));
        }
        assertFalse(Files.exists(dir.getParent().resolve("escaped-" + dir.getFileName() + ".txt")));
        assertNothingVisible(dotdot.diffId(), second);
    }

    void assertNothingVisible(Digest diffId, ImageReference name) throws IOException {
        assertFalse(service.unpacker().isUnpacked(diffId));
        assertTrue(service.images().find(name).isEmpty());
        assertTrue(children(service.unpacker().layersRoot()).stream().noneMatch(n -> n.startsWith(".tmp")),
                children(service.unpacker().layersRoot()).toString());
        assertEquals(List.of(), service.content().ingests());
    }

    @Test
    void aWrongDiffIdIsRefused() throws IOException {
        TestLayer layer = new TestLayer().file("a.txt", "a", 0644);
        Digest claimed = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        ImageReference name = rawImage("wrong-diffid", layer.gzip(), claimed);
        LayerRejectedException e = assertThrows(LayerRejectedException.class,
                () -> service.pull(name, plain(), PullListener.NONE));
        assertTrue(e.getMessage().contains("diff id"), e.getMessage());
        assertNothingVisible(claimed, name);
        assertFalse(service.content().exists(Digest.sha256(layer.gzip())), "the blob is not committed either");
    }

    @Test
    void aCorruptedBlobIsRejected() throws IOException {
        Descriptor layer = randomImage.manifest().value().layers().get(0);
        try (RegistryProxy proxy = RegistryProxy.start(registry.uri())) {
            proxy.corrupt("/blobs/" + layer.digest());
            ImageReference viaProxy = ImageReference.parse(proxy.hostPort() + "/random:1");
            DigestMismatchException e = assertThrows(DigestMismatchException.class,
                    () -> service.pull(viaProxy, plain(), PullListener.NONE));
            assertTrue(e.getMessage().contains(layer.digest().toString()), e.getMessage());
            assertFalse(service.content().exists(layer.digest()));
            assertNothingVisible(randomImage.config().value().diffIds().get(0), viaProxy);
        }
    }

    // ---- resume and sharing ------------------------------------------------------------------

    @Test
    void aDownloadCutHalfWayIsResumedAndUnpacked() throws IOException {
        Descriptor layer = randomImage.manifest().value().layers().get(0);
        try (RegistryProxy proxy = RegistryProxy.start(registry.uri())) {
            proxy.cutOnce("/blobs/" + layer.digest(), layer.size() / 2);
            ImageReference viaProxy = ImageReference.parse(proxy.hostPort() + "/random:1");
            service.pull(viaProxy, plain(), PullListener.NONE);
            List<RegistryProxy.Exchange> gets = proxy.exchanges(e -> e.method().equals("GET")
                    && e.path().endsWith("/blobs/" + layer.digest()));
            assertEquals(2, gets.size(), gets.toString());
            assertEquals("bytes=" + layer.size() / 2 + "-", gets.get(1).range());
            assertEquals(layer.size(), proxy.bytesSent("/blobs/" + layer.digest()), "no byte twice");
            Path unpacked = service.unpacker().directory(randomImage.config().value().diffIds().get(0));
            assertEquals(3 * 1024 * 1024, Files.size(unpacked.resolve("random.bin")));
        }
    }

    @Test
    void aLayerIsUnpackedWhileItDownloads() throws Exception {
        Descriptor layer = randomImage.manifest().value().layers().get(0);
        try (RegistryProxy proxy = RegistryProxy.start(registry.uri())) {
            // the download stops (connection open) half way; the unpacker must have kept up
            proxy.stallOnce("/blobs/" + layer.digest(), layer.size() / 2);
            ImageService streaming = ImageService.open(dir.resolve("streaming"), ImageService.Options.defaults()
                    .withRegistry(quickRetries().withStallTimeout(Duration.ofSeconds(1))).withSyncLayers(false));
            closeLater.add(streaming);
            ImageReference viaProxy = ImageReference.parse(proxy.hostPort() + "/random:1");
            ExecutorService pool = Executors.newSingleThreadExecutor();
            try {
                Future<PullResult> pull = pool.submit(() -> streaming.pull(viaProxy, plain(), PullListener.NONE));
                long seen = 0;
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
                while (seen == 0 && System.nanoTime() < deadline && !pull.isDone()) {
                    for (String name : children(streaming.unpacker().layersRoot())) {
                        Path partial = streaming.unpacker().layersRoot().resolve(name).resolve("random.bin");
                        if (name.startsWith(".tmp") && Files.exists(partial)) {
                            seen = Math.max(seen, Files.size(partial));
                        }
                    }
                    Thread.sleep(20);
                }
                assertTrue(seen > 0, "while the blob was half downloaded, its layer was being extracted");
                assertTrue(seen < 3 * 1024 * 1024, "and not complete yet: " + seen);
                pull.get(60, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            Path unpacked = streaming.unpacker().directory(randomImage.config().value().diffIds().get(0));
            assertEquals(3 * 1024 * 1024, Files.size(unpacked.resolve("random.bin")));
        }
    }

    @Test
    void twoConcurrentPullsOfOneImageDownloadEachBlobOnce() throws Exception {
        try (RegistryProxy proxy = RegistryProxy.start(registry.uri())) {
            ImageReference viaProxy = ImageReference.parse(proxy.hostPort() + "/busybox:1");
            CyclicBarrier start = new CyclicBarrier(2);
            ExecutorService pool = Executors.newFixedThreadPool(2);
            try {
                List<Future<PullResult>> pulls = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    pulls.add(pool.submit(() -> {
                        start.await(10, TimeUnit.SECONDS);
                        return service.pull(viaProxy, plain(), PullListener.NONE);
                    }));
                }
                for (Future<PullResult> pull : pulls) {
                    assertEquals(busyboxImage.digest().toString(), pull.get(60, TimeUnit.SECONDS).digest());
                }
            } finally {
                pool.shutdownNow();
            }
            List<Descriptor> blobs = new ArrayList<>(busyboxImage.manifest().value().layers());
            blobs.add(busyboxImage.manifest().value().config());
            for (Descriptor blob : blobs) {
                assertEquals(1, proxy.exchanges(e -> e.method().equals("GET")
                        && e.path().endsWith("/blobs/" + blob.digest())).size(), "one GET of " + blob.digest());
            }
            for (Digest diffId : busyboxImage.config().value().diffIds()) {
                assertTrue(service.unpacker().isUnpacked(diffId));
            }
        }
    }

    @Test
    void anImageOf128LayersPullsAndMounts() throws IOException {
        assumeRoot();
        ImageBuilder builder = ImageBuilder.create(build).platform(AMD64).created(TestImages.CREATED).gzipLevel(1);
        for (int i = 0; i < 128; i++) {
            builder.layer(LayerContent.builder().mtime(TestImages.CREATED)
                    .file("layers/" + i + ".txt", "layer " + i + "\n")
                    .file("top.txt", "top is " + i + "\n").build(), "RUN step " + i);
        }
        ImageReference name = ref("deep:128");
        builder.build(name);
        push(name);
        PullResult result = service.pull(name, plain(), PullListener.NONE);
        assertEquals(128, result.layers().size());
        Path merged = dir.resolve("deep");
        service.mount(name, merged);
        try {
            assertEquals("layer 0\n", Files.readString(merged.resolve("layers/0.txt")));
            assertEquals("layer 127\n", Files.readString(merged.resolve("layers/127.txt")));
            assertEquals("top is 127\n", Files.readString(merged.resolve("top.txt")));
            assertEquals(128, children(merged.resolve("layers")).size());
        } finally {
            service.unmount(merged);
        }
    }

    // ---- gc -----------------------------------------------------------------------------------

    @Test
    void gcFreesWhatNoImageOrMountUsesAndKeepsTheRest() throws IOException {
        assumeRoot();
        service.pull(busybox, plain(), PullListener.NONE);
        service.pull(random, plain(), PullListener.NONE);
        Digest busyboxBase = busyboxImage.config().value().diffIds().get(0);
        Digest randomLayer = randomImage.config().value().diffIds().get(0);
        Descriptor randomBlob = randomImage.manifest().value().layers().get(0);

        service.remove(busybox);
        assertThrows(NotFoundException.class, () -> service.remove(busybox));
        GcReport first = service.gc(0);
        assertFalse(service.unpacker().isUnpacked(busyboxBase), "busybox's layers went");
        assertFalse(service.content().exists(busyboxImage.manifest().value().layers().get(0).digest()));
        assertTrue(first.removed().stream().anyMatch(r -> r.kind().equals("layers")), first.toString());
        assertTrue(service.unpacker().isUnpacked(randomLayer), "the named image keeps its layer");
        assertTrue(service.content().exists(randomBlob.digest()));

        Path merged = dir.resolve("m");
        service.mount(random, merged);
        service.remove(random);
        service.gc(0);
        assertTrue(service.unpacker().isUnpacked(randomLayer), "the mount keeps the layer of its image");
        assertEquals(3 * 1024 * 1024, Files.size(merged.resolve("random.bin")));
        service.unmount(merged);
        GcReport last = service.gc(0);
        assertFalse(service.unpacker().isUnpacked(randomLayer));
        assertFalse(service.content().exists(randomBlob.digest()));
        assertEquals(0, last.usageAfter(), last.toString());
        assertTrue(service.snapshotter().list().isEmpty(), service.snapshotter().list().toString());
    }

    @Test
    void prepareRootfsLeasesTheImageForTheContainer() throws IOException {
        service.pull(random, plain(), PullListener.NONE);
        var mounts = service.prepareRootfs("c1", random);
        assertFalse(mounts.isEmpty());
        assertEquals(mounts, service.prepareRootfs("c1", random), "idempotent");
        service.remove(random);
        service.gc(0);
        Digest layer = randomImage.config().value().diffIds().get(0);
        assertTrue(service.unpacker().isUnpacked(layer), "the container keeps its image's layer");
        service.releaseRootfs("c1");
        service.releaseRootfs("c1");
        service.gc(0);
        assertFalse(service.unpacker().isUnpacked(layer));
    }

    // ---- import, export, push -----------------------------------------------------------------

    @Test
    void exportImportAndPushRoundTrip() throws IOException {
        service.pull(busybox, plain(), PullListener.NONE);
        Path layout = dir.resolve("layout");
        service.export(busybox, layout);
        assertTrue(Files.isRegularFile(layout.resolve("index.json")));

        ImageService other = open(dir.resolve("other"), ImageService.Options.defaults());
        List<String> names = other.importArchive(layout);
        assertEquals(List.of(busybox.toString()), names);
        for (Digest diffId : busyboxImage.config().value().diffIds()) {
            assertTrue(other.unpacker().isUnpacked(diffId), "import unpacks");
        }
        ImageReference copy = ref("copied:2");
        other.push(busybox, copy, true, PushProgress.NONE);
        ImageService third = open(dir.resolve("third"), ImageService.Options.defaults());
        assertEquals(busyboxImage.digest().toString(), third.pull(copy, plain(), PullListener.NONE).digest());
    }

    // ---- peers --------------------------------------------------------------------------------

    @Test
    void aSecondNodePullsEveryLayerFromItsPeerNotTheOrigin() throws Exception {
        service.pull(busybox, plain(), PullListener.NONE);
        try (PeerServer peer = PeerServer.start(service.content(), TOKEN)) {
            long before = originBlobGets();
            ImageService second = open(dir.resolve("second"), ImageService.Options.defaults()
                    .withPeers(new StaticPeerDirectory(List.of(peer.uri())), TOKEN));
            List<PullEvent> events = new CopyOnWriteArrayList<>();
            second.pull(busybox, plain(), events::add);
            Thread.sleep(200); // the registry logs a request just after answering it
            assertEquals(before, originBlobGets(), "zero blob GETs reached the origin");
            assertTrue(events.stream().anyMatch(e -> e.source() != null && e.source().startsWith("peer ")), events.toString());
            for (Digest diffId : busyboxImage.config().value().diffIds()) {
                assertTrue(second.unpacker().isUnpacked(diffId));
            }
            assertArrayEquals(Files.readAllBytes(service.unpacker().directory(busyboxImage.config().value().diffIds().get(2))
                            .resolve("app/data.bin")),
                    Files.readAllBytes(second.unpacker().directory(busyboxImage.config().value().diffIds().get(2))
                            .resolve("app/data.bin")));
        }
    }

    @Test
    void aPeerThatDiesMidDownloadFallsBackToTheOrigin() throws Exception {
        service.pull(random, plain(), PullListener.NONE);
        Descriptor layer = randomImage.manifest().value().layers().get(0);
        try (PeerServer peer = PeerServer.start(service.content(), TOKEN);
             RegistryProxy toPeer = RegistryProxy.start(peer.uri());
             RegistryProxy toOrigin = RegistryProxy.start(registry.uri())) {
            toPeer.forwardAuthorization(true);
            toPeer.cutOnce("/blobs/" + layer.digest(), layer.size() / 3);
            ImageService second = open(dir.resolve("second"), ImageService.Options.defaults()
                    .withPeers(new StaticPeerDirectory(List.of(toPeer.uri())), TOKEN));
            ImageReference viaOrigin = ImageReference.parse(toOrigin.hostPort() + "/random:1");
            second.pull(viaOrigin, plain(), PullListener.NONE);
            List<RegistryProxy.Exchange> originGets = toOrigin.exchanges(e -> e.method().equals("GET")
                    && e.path().endsWith("/blobs/" + layer.digest()));
            assertEquals(1, originGets.size(), originGets.toString());
            assertEquals("bytes=" + layer.size() / 3 + "-", originGets.get(0).range());
            Digest diffId = randomImage.config().value().diffIds().get(0);
            assertArrayEquals(Files.readAllBytes(service.unpacker().directory(diffId).resolve("random.bin")),
                    Files.readAllBytes(second.unpacker().directory(diffId).resolve("random.bin")));
            assertTrue(children(second.unpacker().layersRoot()).stream().noneMatch(n -> n.startsWith(".tmp")));
        }
    }

    long originBlobGets() throws IOException {
        return registry.requests().stream().filter(r -> r.method().equals("GET") && r.uri().contains("/blobs/")).count();
    }

    @Test
    void unknownImagesAndBadMountsAreClearErrors() throws IOException {
        assertThrows(NotFoundException.class, () -> service.inspect(ref("missing:1")));
        assertThrows(NotFoundException.class, () -> service.mount(ref("missing:1"), dir.resolve("x")));
        NotFoundException pull = assertThrows(NotFoundException.class,
                () -> service.pull(ref("missing:1"), plain(), PullListener.NONE));
        assertTrue(pull.getMessage().contains("missing"), pull.getMessage());
        assertThrows(IllegalArgumentException.class, () -> service.prepareRootfs("a/b", random));
    }

    static void unused(DirectoryStream<Path> s) {
        // keeps an import used only on some paths
        assertNotNull(s);
    }
}
