package io.gantry.layercache.peer;

import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.distribution.PullProgress;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.layercache.testing.PeerServer;
import io.gantry.layercache.testing.RegistryProxy;
import io.gantry.layercache.testing.TestImages;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Peer fetch against real parts: an origin docker-registry, a first node that pulled the image
 * and serves its blobs at /v2/ behind a token, and a second node that pulls through
 * {@link PeerFetcher}. Proxies count what each side served and cut or spoil downloads.
 */
class PeerFetchTest {

    static final String TOKEN = "cluster-secret";
    static final int LAYER_SIZE = 2 * 1024 * 1024;

    @TempDir
    static Path dir;
    static LocalRegistry registry;
    static ImageReference name;
    static Descriptor layer;
    static ImageStore first;
    static PeerServer peer;

    @BeforeAll
    static void originAndFirstNode() throws Exception {
        registry = LocalRegistry.start(dir);
        name = ImageReference.parse(registry.hostPort() + "/app:1");
        ImageStore build = ImageStore.open(ContentStore.open(dir.resolve("build")));
        ImageBuilder.BuiltImage image = TestImages.random(build, name, LAYER_SIZE, 11, ImageBuilder.Format.OCI);
        layer = image.manifest().value().layers().get(0);
        try (RegistryClient client = new RegistryClient(build, plain())) {
            client.push(name, name, PushProgress.NONE);
        }
        first = ImageStore.open(ContentStore.open(dir.resolve("first")));
        try (RegistryClient client = new RegistryClient(first, plain())) {
            client.pull(name, Platform.of("linux", "amd64"), PullProgress.NONE);
        }
        peer = PeerServer.start(first.content(), TOKEN);
    }

    @AfterAll
    static void stop() {
        if (peer != null) {
            peer.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    static RegistryOptions plain() {
        return RegistryOptions.defaults().withPlainHttp(true).withRetries(2, Duration.ofMillis(10), Duration.ofMillis(20));
    }

    /** A pull whose blobs come through the fetcher: peers first, then the origin. */
    static List<PeerFetcher.Attempt> pullVia(ImageStore store, ImageReference image, PeerDirectory peers, String token)
            throws IOException {
        List<PeerFetcher.Attempt> attempts = Collections.synchronizedList(new ArrayList<>());
        try (RegistryClient origin = new RegistryClient(store, plain());
             PeerFetcher fetcher = new PeerFetcher(store, peers, PeerFetcher.peerOptions(token))) {
            origin.pull(image, Platform.of("linux", "amd64"), PullProgress.NONE, task -> fetcher.fetch(task.blob(),
                    fetcher.sources(task.image(), task.blob(), task.progress(), new java.util.concurrent.atomic.AtomicBoolean(),
                            task.origin(), task.context()), attempts));
        }
        return attempts;
    }

    static RegistryProxy peerProxy() throws IOException {
        RegistryProxy proxy = RegistryProxy.start(peer.uri());
        proxy.forwardAuthorization(true);
        return proxy;
    }

    long originBlobGets() throws IOException {
        return registry.requests().stream().filter(r -> r.method().equals("GET") && r.uri().contains("/blobs/")).count();
    }

    @Test
    void aSecondNodePullsEveryBlobFromThePeerAndNoneFromTheOrigin(@TempDir Path second) throws Exception {
        long before = originBlobGets();
        ImageStore store = ImageStore.open(ContentStore.open(second));
        List<PeerFetcher.Attempt> attempts = pullVia(store, name, new StaticPeerDirectory(List.of(peer.uri())), TOKEN);
        Thread.sleep(200); // the registry logs a request just after answering it
        assertEquals(before, originBlobGets(), "no blob GET reached the origin: " + attempts);
        assertTrue(attempts.stream().allMatch(a -> a.source().startsWith("peer ") && a.outcome().equals("ok")), attempts.toString());
        assertArrayEquals(first.content().readAll(layer.digest()), store.content().readAll(layer.digest()));
        assertTrue(store.find(name).isPresent());
    }

    @Test
    void aPeerThatDiesMidDownloadHandsOverToTheOriginWhichContinuesTheRange(@TempDir Path second) throws Exception {
        try (RegistryProxy toPeer = peerProxy();
             RegistryProxy toOrigin = RegistryProxy.start(registry.uri())) {
            long cut = LAYER_SIZE / 3;
            toPeer.cutOnce("/blobs/" + layer.digest(), cut);
            ImageReference viaOrigin = ImageReference.parse(toOrigin.hostPort() + "/app:1");
            ImageStore store = ImageStore.open(ContentStore.open(second));
            List<PeerFetcher.Attempt> attempts = pullVia(store, viaOrigin,
                    new StaticPeerDirectory(List.of(toPeer.uri())), TOKEN);
            List<RegistryProxy.Exchange> originLayerGets = toOrigin.exchanges(e -> e.method().equals("GET")
                    && e.path().endsWith("/blobs/" + layer.digest()));
            assertEquals(1, originLayerGets.size(), attempts.toString());
            assertEquals("bytes=" + cut + "-", originLayerGets.get(0).range(), "the origin continued the peer's download");
            assertEquals(layer.size() - cut, toOrigin.bytesSent("/blobs/" + layer.digest()));
            assertArrayEquals(first.content().readAll(layer.digest()), store.content().readAll(layer.digest()));
            assertTrue(store.content().ingests().isEmpty());
        }
    }

    @Test
    void aPeerServingWrongBytesIsDroppedAndTheOriginServesTheWholeBlob(@TempDir Path second) throws Exception {
        try (RegistryProxy toPeer = peerProxy()) {
            toPeer.corrupt("/blobs/" + layer.digest());
            ImageStore store = ImageStore.open(ContentStore.open(second));
            List<PeerFetcher.Attempt> attempts = pullVia(store, name, new StaticPeerDirectory(List.of(toPeer.uri())), TOKEN);
            PeerFetcher.Attempt failed = attempts.stream().filter(a -> !a.outcome().equals("ok")).findFirst().orElseThrow();
            assertTrue(failed.outcome().contains("digest mismatch"), attempts.toString());
            assertArrayEquals(first.content().readAll(layer.digest()), store.content().readAll(layer.digest()));
        }
    }

    @Test
    void deadAndForgetfulPeersAreSkipped(@TempDir Path second, @TempDir Path empty) throws Exception {
        try (PeerServer forgetful = PeerServer.start(ContentStore.open(empty), TOKEN)) {
            URI dead = URI.create("http://127.0.0.1:1");
            ImageStore store = ImageStore.open(ContentStore.open(second));
            List<PeerFetcher.Attempt> attempts = pullVia(store, name,
                    new StaticPeerDirectory(List.of(dead, forgetful.uri(), peer.uri())), TOKEN);
            assertTrue(attempts.stream().anyMatch(a -> a.source().contains("127.0.0.1:1") && !a.outcome().equals("ok")));
            assertTrue(attempts.stream().anyMatch(a -> a.source().contains(forgetful.hostPort()) && a.outcome().contains("404")),
                    attempts.toString());
            assertArrayEquals(first.content().readAll(layer.digest()), store.content().readAll(layer.digest()));
        }
    }

    @Test
    void aWrongTokenIsRefusedAndTheOriginServes(@TempDir Path second) throws Exception {
        ImageStore store = ImageStore.open(ContentStore.open(second));
        List<PeerFetcher.Attempt> attempts = pullVia(store, name, new StaticPeerDirectory(List.of(peer.uri())), "wrong");
        assertTrue(attempts.stream().anyMatch(a -> a.outcome().contains("401")), attempts.toString());
        assertTrue(store.content().exists(layer.digest()));
    }

    @Test
    void theOriginIsRetriedFromScratchWhenAPeersPrefixWasWrong(@TempDir Path second) throws Exception {
        try (RegistryProxy toPeer = peerProxy()) {
            toPeer.corrupt("/blobs/" + layer.digest());
            toPeer.cutOnce("/blobs/" + layer.digest(), 1000);
            ImageStore store = ImageStore.open(ContentStore.open(second));
            List<PeerFetcher.Attempt> attempts = pullVia(store, name, new StaticPeerDirectory(List.of(toPeer.uri())), TOKEN);
            long mismatches = attempts.stream().filter(a -> a.outcome().contains("digest mismatch")).count();
            assertEquals(1, mismatches, attempts.toString());
            assertArrayEquals(first.content().readAll(layer.digest()), store.content().readAll(layer.digest()));
        }
    }

    @Test
    void theRouteServesRangesAndRegistryErrors() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        URI blob = peer.uri().resolve("/v2/any/repo/blobs/" + layer.digest());
        HttpResponse<byte[]> range = http.send(HttpRequest.newBuilder(blob).header("Authorization", "Bearer " + TOKEN)
                .header("Range", "bytes=10-19").build(), HttpResponse.BodyHandlers.ofByteArray());
        assertEquals(206, range.statusCode());
        assertEquals("bytes 10-19/" + layer.size(), range.headers().firstValue("Content-Range").orElseThrow());
        byte[] all = first.content().readAll(layer.digest());
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 10, 20), range.body());
        assertEquals(layer.digest().toString(), range.headers().firstValue("Docker-Content-Digest").orElseThrow());

        HttpResponse<String> past = http.send(HttpRequest.newBuilder(blob).header("Authorization", "Bearer " + TOKEN)
                .header("Range", "bytes=" + layer.size() + "-").build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(416, past.statusCode());
        HttpResponse<String> head = http.send(HttpRequest.newBuilder(blob).header("Authorization", "Bearer " + TOKEN)
                .method("HEAD", HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, head.statusCode());
        assertEquals(String.valueOf(layer.size()), head.headers().firstValue("Content-Length").orElseThrow());
        HttpResponse<String> unknown = http.send(HttpRequest.newBuilder(peer.uri().resolve("/v2/x/blobs/sha256:"
                + "0".repeat(64))).header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(404, unknown.statusCode());
        assertTrue(unknown.body().contains("BLOB_UNKNOWN"), unknown.body());
        HttpResponse<String> bad = http.send(HttpRequest.newBuilder(peer.uri().resolve("/v2/x/blobs/nope"))
                .header("Authorization", "Bearer " + TOKEN).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(400, bad.statusCode());
        assertTrue(bad.body().contains("DIGEST_INVALID"), bad.body());
        HttpResponse<String> noToken = http.send(HttpRequest.newBuilder(blob).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(401, noToken.statusCode());
    }

    @Test
    void staticDirectoryRefusesUrlsItCannotUse() {
        assertThrows(IllegalArgumentException.class, () -> StaticPeerDirectory.parse(List.of("ftp://x:1")));
        assertThrows(IllegalArgumentException.class, () -> StaticPeerDirectory.parse(List.of("http://x:1/some/path")));
        assertEquals(List.of(URI.create("http://x:1")), StaticPeerDirectory.parse(List.of("http://x:1/")).peers());
        assertThrows(DigestMismatchException.class, () -> {
            throw new DigestMismatchException("compile-time use of the import");
        });
    }
}
