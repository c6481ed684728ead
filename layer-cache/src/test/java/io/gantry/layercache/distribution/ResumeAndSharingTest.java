package io.gantry.layercache.distribution;

import io.gantry.layercache.RegistryUnavailableException;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.layercache.testing.RegistryProxy;
import io.gantry.layercache.testing.TestImages;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Interrupted downloads and concurrent pulls, observed at a proxy in front of a real registry that
 * counts (and cuts) what it serves.
 */
class ResumeAndSharingTest {

    static final int LAYER_SIZE = 3 * 1024 * 1024;

    @TempDir
    static Path registryDir;
    static LocalRegistry registry;
    static ImageBuilder.BuiltImage image;
    static Descriptor layer;

    @TempDir
    Path dir;
    RegistryProxy proxy;
    ImageReference viaProxy;

    @BeforeAll
    static void startRegistryAndPush() throws IOException {
        registry = LocalRegistry.start(registryDir);
        ImageReference name = ImageReference.parse(registry.hostPort() + "/big:1");
        ImageStore local = ImageStore.open(ContentStore.open(registryDir.resolve("build")));
        image = TestImages.random(local, name, LAYER_SIZE, 7, ImageBuilder.Format.OCI);
        layer = image.manifest().value().layers().get(0);
        try (RegistryClient client = new RegistryClient(local, RegistryOptions.defaults().withPlainHttp(true))) {
            client.push(name, name, PushProgress.NONE);
        }
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    @BeforeEach
    void startProxy() throws IOException {
        proxy = RegistryProxy.start(registry.uri());
        viaProxy = ImageReference.parse(proxy.hostPort() + "/big:1");
    }

    @AfterEach
    void stopProxy() {
        proxy.close();
    }

    static RegistryOptions options(int attempts) {
        return RegistryOptions.defaults().withPlainHttp(true)
                .withRetries(attempts, Duration.ofMillis(10), Duration.ofMillis(50));
    }

    String layerPath() {
        return "/blobs/" + layer.digest();
    }

    List<RegistryProxy.Exchange> layerGets() {
        return proxy.exchanges(e -> e.method().equals("GET") && e.path().endsWith(layerPath()));
    }

    @Test
    void aDownloadCutHalfWayIsResumedWithRangeAndEachByteIsServedOnce() throws IOException {
        long cut = LAYER_SIZE / 2 + 12345;
        proxy.cutOnce(layerPath(), cut);
        ImageStore store = ImageStore.open(ContentStore.open(dir));
        try (RegistryClient client = new RegistryClient(store, options(3))) {
            client.pull(viaProxy, Platform.of("linux", "amd64"), PullProgress.NONE);
        }
        List<RegistryProxy.Exchange> gets = layerGets();
        assertEquals(2, gets.size(), gets.toString());
        assertEquals(null, gets.get(0).range());
        assertEquals(cut, gets.get(0).bytesSent());
        assertEquals("bytes=" + cut + "-", gets.get(1).range());
        assertEquals(206, gets.get(1).status());
        assertEquals(layer.size(), proxy.bytesSent(layerPath()), "each byte of the layer crossed the wire once");
        assertArrayEquals(registryBytes(), store.content().readAll(layer.digest()));
    }

    @Test
    void aPartialDownloadSurvivesARestartOfTheProcess() throws IOException {
        long cut = 1_000_000;
        proxy.cutOnce(layerPath(), cut);
        try (RegistryClient client = new RegistryClient(ImageStore.open(ContentStore.open(dir)), options(1))) {
            RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class,
                    () -> client.pull(viaProxy, Platform.of("linux", "amd64"), PullProgress.NONE));
            assertTrue(e.getMessage().startsWith("pull layer " + layer.digest() + " of " + viaProxy + ": "), e.getMessage());
        }
        // a new store on the same directory: what an agent sees after a crash and restart
        ContentStore reopened = ContentStore.open(dir);
        assertEquals(cut, reopened.ingest(layer.digest()).orElseThrow().offset());
        List<Long> resumedFrom = new ArrayList<>();
        try (RegistryClient client = new RegistryClient(ImageStore.open(reopened), options(1))) {
            client.pull(viaProxy, Platform.of("linux", "amd64"), new PullProgress() {
                @Override
                public void progress(Descriptor blob, long done, long total) {
                    if (blob.digest().equals(layer.digest()) && resumedFrom.isEmpty()) {
                        resumedFrom.add(done);
                    }
                }
            });
        }
        assertEquals(List.of(cut), resumedFrom, "progress starts at the resumed offset");
        assertEquals("bytes=" + cut + "-", layerGets().get(1).range());
        assertEquals(layer.size(), proxy.bytesSent(layerPath()));
        assertArrayEquals(registryBytes(), reopened.readAll(layer.digest()));
    }

    @Test
    void aRegistryThatIgnoresRangeIsReadFromTheStart() throws IOException {
        proxy.cutOnce(layerPath(), 500_000);
        proxy.ignoreRange(true);
        ImageStore store = ImageStore.open(ContentStore.open(dir));
        try (RegistryClient client = new RegistryClient(store, options(3))) {
            client.pull(viaProxy, Platform.of("linux", "amd64"), PullProgress.NONE);
        }
        List<RegistryProxy.Exchange> gets = layerGets();
        assertEquals(2, gets.size());
        assertEquals(200, gets.get(1).status(), "the second answer is a full 200, not a 206");
        assertArrayEquals(registryBytes(), store.content().readAll(layer.digest()));
    }

    @Test
    void aServerErrorIsRetriedWithBackoff() throws IOException {
        proxy.failOnce(layerPath(), 503);
        proxy.failOnce("/manifests/1", 502);
        ImageStore store = ImageStore.open(ContentStore.open(dir));
        try (RegistryClient client = new RegistryClient(store, options(3))) {
            client.pull(viaProxy, Platform.of("linux", "amd64"), PullProgress.NONE);
        }
        assertEquals(List.of(503, 200), layerGets().stream().map(RegistryProxy.Exchange::status).toList());
        assertEquals(layer.size(), proxy.bytesSent(layerPath()));
    }

    @Test
    void aStalledDownloadIsAbandonedAndResumed() throws IOException {
        long stall = 1_000_000;
        proxy.stallOnce(layerPath(), stall);
        ImageStore store = ImageStore.open(ContentStore.open(dir));
        long start = System.nanoTime();
        try (RegistryClient client = new RegistryClient(store, options(3).withStallTimeout(Duration.ofMillis(300)))) {
            client.pull(viaProxy, Platform.of("linux", "amd64"), PullProgress.NONE);
        }
        assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(5), "the stall was noticed, not waited out");
        List<RegistryProxy.Exchange> gets = layerGets();
        assertEquals(2, gets.size(), gets.toString());
        assertEquals("bytes=" + stall + "-", gets.get(1).range());
        assertArrayEquals(registryBytes(), store.content().readAll(layer.digest()));
    }

    @Test
    void anUnreachableRegistryFailsAfterTheRetries() throws IOException {
        int closedPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }
        ImageReference nowhere = ImageReference.parse("127.0.0.1:" + closedPort + "/app:1");
        try (RegistryClient client = new RegistryClient(ImageStore.open(ContentStore.open(dir)), options(2))) {
            RegistryUnavailableException e = assertThrows(RegistryUnavailableException.class,
                    () -> client.pull(nowhere, Platform.of("linux", "amd64"), PullProgress.NONE));
            assertTrue(e.getMessage().startsWith("resolve " + nowhere + ": ConnectException"), e.getMessage());
            assertTrue(e.getMessage().endsWith("(after 2 attempts)"), e.getMessage());
        }
    }

    @Test
    void concurrentPullsOfOneImageDownloadEachBlobOnce() throws Exception {
        ImageStore store = ImageStore.open(ContentStore.open(dir));
        java.util.function.Predicate<LocalRegistry.Request> layerServed =
                r -> r.method().equals("GET") && r.uri().endsWith(layerPath());
        int servedBefore = registry.requests().stream().filter(layerServed).toList().size();
        int pulls = 4;
        CyclicBarrier start = new CyclicBarrier(pulls);
        ExecutorService pool = Executors.newFixedThreadPool(pulls);
        try (RegistryClient client = new RegistryClient(store, options(3))) {
            List<Future<PulledImage>> results = new ArrayList<>();
            for (int i = 0; i < pulls; i++) {
                results.add(pool.submit(() -> {
                    start.await(10, TimeUnit.SECONDS);
                    return client.pull(viaProxy, Platform.of("linux", "amd64"), PullProgress.NONE);
                }));
            }
            for (Future<PulledImage> result : results) {
                assertEquals(image.digest(), result.get(30, TimeUnit.SECONDS).manifestDigest());
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(1, layerGets().size(), "the layer was downloaded once for " + pulls + " pulls");
        assertEquals(1, proxy.exchanges(e -> e.method().equals("GET")
                && e.path().endsWith("/blobs/" + image.manifest().value().config().digest())).size());
        assertEquals(layer.size(), proxy.bytesSent(layerPath()));
        // and the registry's own log agrees: its blob bytes left it once
        List<LocalRegistry.Request> served = registry.awaitRequests(layerServed, servedBefore + 1);
        assertEquals(servedBefore + 1, served.size());
        assertEquals(layer.size(), served.get(served.size() - 1).written());
    }

    private byte[] registryBytes() throws IOException {
        return java.nio.file.Files.readAllBytes(registry.blobDataFile(layer.digest().toString()));
    }
}
