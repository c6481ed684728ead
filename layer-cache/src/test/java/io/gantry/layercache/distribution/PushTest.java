package io.gantry.layercache.distribution;

import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.layercache.testing.TestImages;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Push paths against a real docker-registry, checked in the registry's own request log and storage. */
class PushTest {

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

    ImageReference ref(String repoAndTag) {
        return ImageReference.parse(registry.hostPort() + "/" + repoAndTag);
    }

    @Test
    void largeBlobsGoInChunksAndArriveIntact() throws IOException {
        ImageStore local = ImageStore.open(ContentStore.open(dir.resolve("local")));
        ImageReference name = ref("chunked:1");
        ImageBuilder.BuiltImage built = TestImages.random(local, name, 1_000_000, 11, ImageBuilder.Format.OCI);
        Descriptor layer = built.manifest().value().layers().get(0);
        long chunk = 256 * 1024;
        Map<Digest, Long> lastProgress = new ConcurrentHashMap<>();
        PushResult result;
        try (RegistryClient client = new RegistryClient(local,
                RegistryOptions.defaults().withPlainHttp(true).withChunkSize(chunk))) {
            result = client.push(name, name, (blob, done, total) -> lastProgress.merge(blob.digest(), done, Math::max));
        }
        assertEquals(PushResult.BlobOutcome.UPLOADED_CHUNKED, result.blobs().get(layer.digest()));
        assertEquals(PushResult.BlobOutcome.UPLOADED, result.blobs().get(built.manifest().value().config().digest()),
                "a blob under the chunk size goes in one PUT");
        assertEquals(layer.size(), lastProgress.get(layer.digest()));

        long chunks = (layer.size() + chunk - 1) / chunk;
        List<LocalRegistry.Request> patches = registry.awaitRequests(
                r -> r.method().equals("PATCH") && r.uri().startsWith("/v2/chunked/blobs/uploads/"), (int) chunks);
        assertEquals(chunks, patches.size());
        assertTrue(patches.stream().allMatch(r -> r.status() == 202));
        assertArrayEquals(local.content().readAll(layer.digest()),
                Files.readAllBytes(registry.blobDataFile(layer.digest().toString())), "the registry holds the exact bytes");

        ImageStore fresh = ImageStore.open(ContentStore.open(dir.resolve("fresh")));
        try (RegistryClient client = new RegistryClient(fresh, RegistryOptions.defaults().withPlainHttp(true))) {
            assertEquals(built.digest(), client.pull(name, Platform.of("linux", "amd64"), PullProgress.NONE).manifestDigest());
        }
    }

    @Test
    void blobsOfAnotherRepositoryAreMountedNotUploadedAgain() throws IOException {
        ImageStore local = ImageStore.open(ContentStore.open(dir.resolve("local")));
        ImageReference source = ref("mount-src:1");
        ImageBuilder.BuiltImage built = TestImages.busybox(local, source, ImageBuilder.Format.DOCKER);
        try (RegistryClient client = new RegistryClient(local, RegistryOptions.defaults().withPlainHttp(true))) {
            PushResult first = client.push(source, source, PushProgress.NONE);
            assertTrue(first.blobs().values().stream().allMatch(o -> o == PushResult.BlobOutcome.UPLOADED));

            int uploadsBefore = uploads("mount-dst").size();
            ImageReference target = ref("mount-dst:1");
            PushResult mounted = client.push(source, target, PushProgress.NONE);
            assertEquals(4, mounted.blobs().size());
            assertTrue(mounted.blobs().values().stream().allMatch(o -> o == PushResult.BlobOutcome.MOUNTED),
                    mounted.blobs().toString());
            assertEquals(built.digest(), mounted.manifestDigest());

            List<LocalRegistry.Request> mounts = registry.awaitRequests(
                    r -> r.method().equals("POST") && r.uri().startsWith("/v2/mount-dst/blobs/uploads/?mount="), 4);
            assertEquals(4, mounts.size());
            assertTrue(mounts.stream().allMatch(r -> r.status() == 201), "201 Created: mounted, no upload session");
            assertEquals(uploadsBefore, uploads("mount-dst").size(), "no PATCH or PUT of blob bytes to mount-dst");

            // pushed again: the registry has every blob, nothing is sent
            PushResult again = client.push(source, target, PushProgress.NONE);
            assertTrue(again.blobs().values().stream().allMatch(o -> o == PushResult.BlobOutcome.EXISTED));
        }

        ImageStore fresh = ImageStore.open(ContentStore.open(dir.resolve("fresh")));
        try (RegistryClient client = new RegistryClient(fresh, RegistryOptions.defaults().withPlainHttp(true))) {
            PulledImage pulled = client.pull(ref("mount-dst:1"), Platform.of("linux", "amd64"), PullProgress.NONE);
            assertArrayEquals(built.manifest().raw(), pulled.manifest().raw());
        }
    }

    @Test
    void anImageBuiltLocallyIsPushedUnderAnyName() throws IOException {
        ImageStore local = ImageStore.open(ContentStore.open(dir.resolve("local")));
        ImageReference localName = ImageReference.parse("localhost/only-here:dev");
        ImageBuilder.BuiltImage built = TestImages.random(local, localName, 2_000, 12, ImageBuilder.Format.OCI);
        ImageReference target = ref("published/app:2");
        try (RegistryClient client = new RegistryClient(local, RegistryOptions.defaults().withPlainHttp(true))) {
            PushResult result = client.push(localName, target, PushProgress.NONE);
            assertEquals(target.withDigest(built.digest()), result.target());
            assertEquals(built.digest(), client.fetchManifest(target).digest());
        }
    }

    private List<LocalRegistry.Request> uploads(String repository) throws IOException {
        return registry.requests().stream()
                .filter(r -> (r.method().equals("PATCH") || r.method().equals("PUT"))
                        && r.uri().startsWith("/v2/" + repository + "/blobs/uploads/"))
                .toList();
    }
}
