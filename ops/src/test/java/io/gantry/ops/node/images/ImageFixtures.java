package io.gantry.ops.node.images;

import io.gantry.layercache.content.BlobInfo;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.testing.LocalRegistry;
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
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.GZIPOutputStream;

/** A registry with the standard busybox test image and a layer that escapes, for API and CLI tests. */
final class ImageFixtures implements AutoCloseable {

    final LocalRegistry registry;
    final ImageStore build;
    final ImageReference busybox;
    final ImageBuilder.BuiltImage busyboxImage;
    final ImageReference evil;
    final Digest evilLayer;

    ImageFixtures(Path dir) throws IOException {
        registry = LocalRegistry.start(dir);
        build = ImageStore.open(ContentStore.open(dir.resolve("build")));
        busybox = ref("busybox:1");
        busyboxImage = TestImages.busybox(build, busybox, ImageBuilder.Format.OCI);
        push(busybox);
        byte[] tar = tar("../../outside.txt", "x");
        evil = ref("evil:1");
        evilLayer = rawImage(evil, gzip(tar), Digest.sha256(tar));
    }

    ImageReference ref(String repoAndTag) {
        return ImageReference.parse(registry.hostPort() + "/" + repoAndTag);
    }

    void push(ImageReference name) throws IOException {
        try (RegistryClient client = new RegistryClient(build, RegistryOptions.defaults().withPlainHttp(true))) {
            client.push(name, name, PushProgress.NONE);
        }
    }

    /** Names and pushes a one-layer image made of raw blob bytes; returns the layer's blob digest. */
    Digest rawImage(ImageReference name, byte[] blob, Digest diffId) throws IOException {
        ContentStore content = build.content();
        BlobInfo layer = content.write(blob);
        byte[] config = OciJson.write(ImageConfig.of(Platform.of("linux", "amd64"), ContainerConfig.EMPTY, List.of(diffId)));
        Descriptor configDescriptor = Descriptor.forContent(MediaTypes.OCI_CONFIG, config);
        content.write(config);
        byte[] manifest = OciJson.write(ImageManifest.oci(configDescriptor,
                List.of(Descriptor.of(MediaTypes.OCI_LAYER_TAR_GZIP, layer.digest(), layer.size()))));
        Descriptor manifestDescriptor = Descriptor.forContent(MediaTypes.OCI_MANIFEST, manifest);
        content.write(manifest);
        build.put(name, manifestDescriptor);
        push(name);
        return layer.digest();
    }

    static byte[] tar(String name, String content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(bytes)) {
            byte[] data = content.getBytes(StandardCharsets.UTF_8);
            TarArchiveEntry e = new TarArchiveEntry(name, true);
            e.setSize(data.length);
            e.setMode(0100644);
            tar.putArchiveEntry(e);
            tar.write(data);
            tar.closeArchiveEntry();
        }
        return bytes.toByteArray();
    }

    static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(data);
        }
        return out.toByteArray();
    }

    @Override
    public void close() {
        registry.close();
    }
}
