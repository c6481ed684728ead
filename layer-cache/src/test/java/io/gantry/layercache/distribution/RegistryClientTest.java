package io.gantry.layercache.distribution;

import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.NotFoundException;
import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.layercache.testing.RegistryProxy;
import io.gantry.layercache.testing.TestImages;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageIndex;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.OciJson;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Push and pull against a real docker-registry. */
class RegistryClientTest {

    @TempDir
    static Path registryDir;
    static LocalRegistry registry;

    @TempDir
    Path dir;

    @BeforeAll
    static void startRegistry() throws IOException {
        registry = LocalRegistry.start(registryDir);
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    static RegistryOptions plain() {
        return RegistryOptions.defaults().withPlainHttp(true)
                .withRetries(2, java.time.Duration.ofMillis(20), java.time.Duration.ofMillis(50));
    }

    ImageStore newStore(String name) throws IOException {
        return ImageStore.open(ContentStore.open(dir.resolve(name)));
    }

    ImageReference ref(String repoAndTag) {
        return ImageReference.parse(registry.hostPort() + "/" + repoAndTag);
    }

    @ParameterizedTest
    @EnumSource(ImageBuilder.Format.class)
    void builtImagePushedAndPulledBackIsByteIdentical(ImageBuilder.Format format) throws IOException {
        ImageStore local = newStore("local");
        ImageReference name = ref("roundtrip-" + format.name().toLowerCase() + ":1");
        ImageBuilder.BuiltImage built = TestImages.busybox(local, name, format);

        try (RegistryClient client = new RegistryClient(local, plain())) {
            PushResult pushed = client.push(name, name, PushProgress.NONE);
            assertEquals(built.digest(), pushed.manifestDigest());
            assertEquals(4, pushed.blobs().size(), "config and three layers");
            assertTrue(pushed.blobs().values().stream().allMatch(o -> o == PushResult.BlobOutcome.UPLOADED));
        }

        ImageStore fresh = newStore("fresh");
        Set<Digest> completed = ConcurrentHashMap.newKeySet();
        PullProgress progress = new PullProgress() {
            @Override
            public void progress(Descriptor blob, long done, long total) {
                assertTrue(done <= total);
            }

            @Override
            public void completed(Descriptor blob, boolean alreadyPresent) {
                assertFalse(alreadyPresent);
                completed.add(blob.digest());
            }
        };
        PulledImage pulled;
        try (RegistryClient client = new RegistryClient(fresh, plain())) {
            pulled = client.pull(name, Platform.of("linux", "amd64"), progress);
        }
        assertEquals(built.digest(), pulled.manifestDigest());
        assertEquals(format == ImageBuilder.Format.OCI ? MediaTypes.OCI_MANIFEST : MediaTypes.DOCKER_MANIFEST,
                pulled.manifest().mediaType());
        assertArrayEquals(built.manifest().raw(), pulled.manifest().raw());
        assertArrayEquals(built.config().raw(), pulled.config().raw());
        assertEquals(3, pulled.layers().size());
        assertEquals(built.config().value().diffIds(), pulled.diffIds());
        assertEquals(4, pulled.config().value().history().size());
        assertTrue(pulled.config().value().history().get(1).emptyLayer());

        ContentStore a = local.content();
        ContentStore b = fresh.content();
        for (Descriptor layer : pulled.layers()) {
            assertArrayEquals(a.readAll(layer.digest()), b.readAll(layer.digest()));
            assertTrue(completed.contains(layer.digest()));
        }
        for (BlobInfo blob : b.list()) {
            assertEquals(blob.digest(), Digest.sha256(b.blobPath(blob.digest())), "every stored blob hashes to its name");
        }
        assertEquals(List.of(), b.ingests());

        ImageStore.Image image = fresh.get(name);
        assertEquals(built.descriptor(), image.target());
        Set<Digest> leased = b.leases().get(ImageStore.leaseName(name)).orElseThrow().digests();
        assertTrue(leased.contains(pulled.manifestDigest()));
        assertTrue(leased.containsAll(pulled.diffIds()), "the lease keeps diff ids for unpacked layers");
        assertEquals(List.of(ImageStore.leaseName(name)), b.leases().list().stream().map(l -> l.name()).toList(),
                "the pull's own lease is gone once the image holds its content");
        for (Descriptor layer : pulled.layers()) {
            assertTrue(leased.contains(layer.digest()));
        }
    }

    @Test
    void pullByDigestAndMissingTags() throws IOException {
        ImageStore local = newStore("local");
        ImageReference name = ref("bydigest:1");
        ImageBuilder.BuiltImage built = TestImages.random(local, name, 10_000, 1, ImageBuilder.Format.OCI);
        try (RegistryClient client = new RegistryClient(local, plain())) {
            client.push(name, name, PushProgress.NONE);
        }
        ImageReference byDigest = ImageReference.parse(registry.hostPort() + "/bydigest@" + built.digest());
        ImageStore fresh = newStore("fresh");
        try (RegistryClient client = new RegistryClient(fresh, plain())) {
            PulledImage pulled = client.pull(byDigest, Platform.of("linux", "amd64"), PullProgress.NONE);
            assertEquals(built.digest(), pulled.manifestDigest());
            assertEquals(built.digest(), fresh.get(byDigest).target().digest());

            NotFoundException missing = assertThrows(NotFoundException.class,
                    () -> client.pull(ref("bydigest:nope"), Platform.of("linux", "amd64"), PullProgress.NONE));
            assertTrue(missing.getMessage().startsWith("resolve " + ref("bydigest:nope") + ": HTTP 404 MANIFEST_UNKNOWN"),
                    missing.getMessage());
        }
    }

    @Test
    void aCorruptedBlobIsRejectedAndNothingIsCommitted() throws IOException {
        ImageStore local = newStore("local");
        ImageReference name = ref("corrupt:1");
        ImageBuilder.BuiltImage built = TestImages.random(local, name, 50_000, 2, ImageBuilder.Format.OCI);
        try (RegistryClient client = new RegistryClient(local, plain())) {
            client.push(name, name, PushProgress.NONE);
        }
        Descriptor layer = built.manifest().value().layers().get(0);
        Path stored = registry.blobDataFile(layer.digest().toString());
        byte[] bytes = Files.readAllBytes(stored);
        bytes[bytes.length / 2] ^= 0x01;
        Files.write(stored, bytes); // same size, different content: only the digest can tell

        ImageStore fresh = newStore("fresh");
        try (RegistryClient client = new RegistryClient(fresh, plain())) {
            DigestMismatchException e = assertThrows(DigestMismatchException.class,
                    () -> client.pull(name, Platform.of("linux", "amd64"), PullProgress.NONE));
            assertEquals("pull layer " + layer.digest() + " of " + name + ": digest mismatch for " + layer.digest()
                    + ": got " + Digest.sha256(bytes), e.getMessage());
        }
        assertFalse(fresh.content().exists(layer.digest()), "the corrupt layer is not in the store");
        assertTrue(fresh.content().ingest(layer.digest()).isEmpty(), "nor kept for a resume");
        assertTrue(fresh.find(name).isEmpty(), "the image is not named");
        assertEquals(List.of(), fresh.content().leases().list(), "a failed pull leaves no lease behind");
    }

    @Test
    void aManifestThatDoesNotMatchItsDigestIsRejected() throws IOException {
        ImageStore local = newStore("local");
        ImageReference name = ref("liar:1");
        ImageBuilder.BuiltImage built = TestImages.random(local, name, 1_000, 3, ImageBuilder.Format.DOCKER);
        try (RegistryClient client = new RegistryClient(local, plain())) {
            client.push(name, name, PushProgress.NONE);
        }
        try (RegistryProxy proxy = RegistryProxy.start(registry.uri())) {
            proxy.corrupt("/manifests/1");
            proxy.corrupt("/manifests/" + built.digest());
            ImageStore fresh = newStore("fresh");
            try (RegistryClient client = new RegistryClient(fresh, plain())) {
                ImageReference viaProxy = ImageReference.parse(proxy.hostPort() + "/liar:1");
                DigestMismatchException byTag = assertThrows(DigestMismatchException.class,
                        () -> client.pull(viaProxy, Platform.of("linux", "amd64"), PullProgress.NONE));
                assertTrue(byTag.getMessage().contains("digest mismatch for " + built.digest() + " (Docker-Content-Digest)"),
                        byTag.getMessage());
                ImageReference pinned = ImageReference.parse(proxy.hostPort() + "/liar@" + built.digest());
                DigestMismatchException byDigest = assertThrows(DigestMismatchException.class,
                        () -> client.pull(pinned, Platform.of("linux", "amd64"), PullProgress.NONE));
                assertTrue(byDigest.getMessage().startsWith("resolve " + pinned + ": digest mismatch for " + built.digest()),
                        byDigest.getMessage());
            }
            assertTrue(newStore("fresh").content().list().isEmpty());
        }
    }

    @Test
    void anIndexIsNarrowedToThePlatformAsked() throws IOException {
        ImageStore local = newStore("local");
        ImageReference amd = ref("multi:amd64");
        ImageReference arm = ref("multi:arm64");
        ImageBuilder.BuiltImage amdImage = ImageBuilder.create(local).platform(Platform.of("linux", "amd64"))
                .layer(io.gantry.layercache.image.LayerContent.builder().file("arch", "amd64").build(), "amd64")
                .build(amd);
        ImageBuilder.BuiltImage armImage = ImageBuilder.create(local).platform(Platform.of("linux", "arm64", "v8"))
                .layer(io.gantry.layercache.image.LayerContent.builder().file("arch", "arm64").build(), "arm64")
                .build(arm);
        ImageIndex index = ImageIndex.oci(List.of(
                amdImage.descriptor().withPlatform(Platform.of("linux", "amd64")),
                armImage.descriptor().withPlatform(Platform.of("linux", "arm64", "v8"))));
        byte[] indexBytes = OciJson.write(index);
        Descriptor indexDescriptor = Descriptor.forContent(MediaTypes.OCI_INDEX, indexBytes);
        local.content().write(indexBytes);
        ImageReference multi = ref("multi:1");
        local.put(multi, indexDescriptor);
        try (RegistryClient client = new RegistryClient(local, plain())) {
            client.push(multi, multi, PushProgress.NONE);
        }

        ImageStore fresh = newStore("fresh");
        try (RegistryClient client = new RegistryClient(fresh, plain())) {
            PulledImage pulled = client.pull(multi, Platform.parse("linux/arm64"), PullProgress.NONE);
            assertEquals(armImage.digest(), pulled.manifestDigest());
            assertEquals(indexDescriptor.digest(), pulled.target().digest());
            assertFalse(fresh.content().exists(amdImage.digest()), "only the platform asked for is pulled");
            ImageStore.Image image = fresh.get(multi);
            assertEquals(armImage.digest(), fresh.manifest(image, Platform.parse("linux/arm64/v8")).digest());
            assertThrows(NotFoundException.class, () -> fresh.manifest(image, Platform.parse("linux/amd64")));

            NotFoundException none = assertThrows(NotFoundException.class,
                    () -> client.pull(multi, Platform.parse("linux/s390x"), PullProgress.NONE));
            assertTrue(none.getMessage().contains("linux/amd64, linux/arm64/v8"), none.getMessage());

            // an index whose other platforms were never pulled cannot be pushed as a whole
            FailedPreconditionException partial = assertThrows(FailedPreconditionException.class,
                    () -> client.push(multi, ref("multi-copy:1"), PushProgress.NONE));
            assertTrue(partial.getMessage().contains("not in the content store"), partial.getMessage());
        }
    }

    @Test
    void anIndexEntryWithoutPlatformIsCheckedAgainstTheConfig() throws IOException {
        ImageStore local = newStore("local");
        ImageReference arm = ref("noplatform:arm64");
        ImageBuilder.BuiltImage armImage = ImageBuilder.create(local).platform(Platform.of("linux", "arm64"))
                .layer(io.gantry.layercache.image.LayerContent.builder().file("arch", "arm64").build(), "arm64")
                .build(arm);
        byte[] indexBytes = OciJson.write(ImageIndex.oci(List.of(armImage.descriptor())));
        Descriptor indexDescriptor = Descriptor.forContent(MediaTypes.OCI_INDEX, indexBytes);
        local.content().write(indexBytes);
        ImageReference name = ref("noplatform:1");
        local.put(name, indexDescriptor);
        try (RegistryClient client = new RegistryClient(local, plain())) {
            client.push(name, name, PushProgress.NONE);
        }
        ImageStore fresh = newStore("fresh");
        try (RegistryClient client = new RegistryClient(fresh, plain())) {
            NotFoundException wrong = assertThrows(NotFoundException.class,
                    () -> client.pull(name, Platform.of("linux", "amd64"), PullProgress.NONE));
            assertTrue(wrong.getMessage().contains("declares no platform and its config says linux/arm64"),
                    wrong.getMessage());
            assertEquals(List.of(), fresh.content().leases().list());
            assertEquals(armImage.digest(),
                    client.pull(name, Platform.of("linux", "arm64"), PullProgress.NONE).manifestDigest());
        }
    }

    @Test
    void plainHttpIsUsedOnlyWhenAskedFor() throws IOException {
        ImageStore fresh = newStore("fresh");
        try (RegistryClient client = new RegistryClient(fresh, RegistryOptions.defaults())) {
            FailedPreconditionException e = assertThrows(FailedPreconditionException.class,
                    () -> client.pull(ref("anything:1"), Platform.of("linux", "amd64"), PullProgress.NONE));
            assertTrue(e.getMessage().contains("TLS with " + registry.hostPort() + " failed"), e.getMessage());
            assertTrue(e.getMessage().contains("--plain-http"), e.getMessage());
        }
        // the same holds for a loopback name: no implicit exception for localhost
        try (RegistryClient client = new RegistryClient(fresh, RegistryOptions.defaults())) {
            ImageReference localhost = ImageReference.parse("localhost:" + registry.port() + "/anything:1");
            assertThrows(FailedPreconditionException.class,
                    () -> client.pull(localhost, Platform.of("linux", "amd64"), PullProgress.NONE));
        }
        List<String> seen = new ArrayList<>();
        for (LocalRegistry.Request r : registry.requests()) {
            seen.add(r.uri());
        }
        assertFalse(new HashSet<>(seen).contains("/v2/anything/manifests/1"), "no plain request was made");
    }
}
