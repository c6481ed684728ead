package io.gantry.layercache.image;

import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.NotFoundException;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.content.GcReport;
import io.gantry.layercache.testing.TestImages;
import io.gantry.protocol.oci.ContainerConfig;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.Platform;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageStoreTest {

    @TempDir
    Path dir;

    @Test
    void builtImageHasTheDescribedLayersHistoryAndConfig() throws IOException {
        ImageStore images = ImageStore.open(ContentStore.open(dir));
        ImageReference name = ImageReference.parse("localhost/demo:1");
        ImageBuilder.BuiltImage built = TestImages.busybox(images, name, ImageBuilder.Format.DOCKER);

        assertEquals(MediaTypes.DOCKER_MANIFEST, built.manifest().mediaType());
        assertEquals(MediaTypes.DOCKER_CONFIG, built.manifest().value().config().mediaType());
        assertTrue(built.manifest().value().layers().stream()
                .allMatch(l -> l.mediaType().equals(MediaTypes.DOCKER_LAYER_TAR_GZIP)));
        ImageConfig config = built.config().value();
        assertEquals(3, config.diffIds().size());
        assertEquals(List.of("COPY rootfs / # busybox", "ENV PATH=/bin",
                        "RUN rm /etc/motd && rm -rf /var/cache/app/* # opaque", "COPY app /app"),
                config.history().stream().map(ImageConfig.History::createdBy).toList());
        assertEquals(List.of(false, true, false, false),
                config.history().stream().map(ImageConfig.History::emptyLayer).toList());
        assertEquals(3, config.layerHistory().size(), "history and diff ids agree");
        assertEquals(List.of("/bin/sh", "/app/run.sh"), config.config().cmd());
        assertEquals(TestImages.CREATED, config.created());

        // the same description builds the same image, byte for byte
        ImageStore other = ImageStore.open(ContentStore.open(dir.resolve("other")));
        assertEquals(built.digest(), TestImages.busybox(other, name, ImageBuilder.Format.DOCKER).digest());
    }

    @Test
    void imagesAreListedReopenedAndRemovedThenGcFreesTheirBlobs() throws IOException {
        ContentStore content = ContentStore.open(dir);
        ImageStore images = ImageStore.open(content);
        ImageReference a = ImageReference.parse("localhost/a:1");
        ImageReference b = ImageReference.parse("localhost/b:1");
        ImageBuilder.BuiltImage imageA = TestImages.busybox(images, a, ImageBuilder.Format.OCI);
        ImageBuilder.BuiltImage imageB = TestImages.random(images, b, 50_000, 3, ImageBuilder.Format.OCI);
        assertEquals(List.of("image/localhost/a:1", "image/localhost/b:1"),
                content.leases().list().stream().map(l -> l.name()).toList(), "no build lease is left behind");

        ImageStore reopened = ImageStore.open(ContentStore.open(dir));
        assertEquals(List.of(a, b), reopened.list().stream().map(ImageStore.Image::name).toList());
        assertEquals(imageA.descriptor(), reopened.get(a).target());

        assertEquals(0, content.gc(0).removed().stream().filter(r -> r.kind().equals("blob")).count(),
                "everything is leased by an image");
        assertTrue(reopened.remove(b));
        assertFalse(reopened.remove(b));
        assertThrows(NotFoundException.class, () -> reopened.get(b));
        GcReport report = reopened.content().gc(0);
        Set<String> removed = Set.copyOf(report.removed().stream().map(GcReport.Removed::id).toList());
        assertTrue(removed.contains(imageB.digest().toString()));
        assertTrue(removed.contains(imageB.manifest().value().layers().get(0).digest().toString()));
        for (Descriptor layer : imageA.manifest().value().layers()) {
            assertTrue(content.exists(layer.digest()), "image a keeps its layers");
        }
        assertEquals(imageA.manifest().digest(),
                reopened.manifest(reopened.get(a), Platform.of("linux", "amd64")).digest());
    }

    @Test
    void retaggingMovesTheLeaseAndSharedLayersStay() throws IOException {
        ContentStore content = ContentStore.open(dir);
        ImageStore images = ImageStore.open(content);
        ImageReference name = ImageReference.parse("localhost/app:latest");
        ImageBuilder.BuiltImage v1 = TestImages.busybox(images, name, ImageBuilder.Format.OCI);
        ImageBuilder.BuiltImage v2 = ImageBuilder.create(images).from(images.get(name), Platform.of("linux", "amd64"))
                .emptyLayer("LABEL version=2")
                .layer(LayerContent.builder().file("app/VERSION", "2\n").build(), "COPY VERSION /app/")
                .config(ContainerConfig.builder().cmd(List.of("/bin/sh")).build())
                .build(name);
        assertNotEquals(v1.digest(), v2.digest());
        assertEquals(v1.manifest().value().layers(), v2.manifest().value().layers().subList(0, 3),
                "a commit on top keeps the base layers");
        assertEquals(6, v2.config().value().history().size());
        assertEquals(4, v2.config().value().diffIds().size());

        content.gc(0);
        assertFalse(content.exists(v1.digest()), "the old manifest is no longer named");
        for (Descriptor layer : v2.manifest().value().layers()) {
            assertTrue(content.exists(layer.digest()));
        }
        Set<Digest> leased = content.leases().get(ImageStore.leaseName(name)).orElseThrow().digests();
        assertTrue(leased.containsAll(v2.config().value().diffIds()));
    }

    @Test
    void badNamesAndTargetsAreRefused() throws IOException {
        ImageStore images = ImageStore.open(ContentStore.open(dir));
        Descriptor missing = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {1}), 1);
        NotFoundException notStored = assertThrows(NotFoundException.class,
                () -> images.put(ImageReference.parse("localhost/x:1"), missing));
        assertTrue(notStored.getMessage().endsWith("is not in the content store"), notStored.getMessage());
        Descriptor layer = Descriptor.of(MediaTypes.OCI_LAYER_TAR_GZIP, Digest.sha256(new byte[] {1}), 1);
        assertThrows(FailedPreconditionException.class, () -> images.put(ImageReference.parse("localhost/x:1"), layer));

        Files.writeString(dir.resolve("images.json"), "{not json");
        IOException corrupt = assertThrows(IOException.class, () -> ImageStore.open(ContentStore.open(dir)));
        assertTrue(corrupt.getMessage().startsWith("image index " + dir.resolve("images.json") + " is unreadable"),
                corrupt.getMessage());
    }
}
