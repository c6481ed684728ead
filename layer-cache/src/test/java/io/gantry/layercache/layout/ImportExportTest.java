package io.gantry.layercache.layout;

import io.gantry.layercache.DigestMismatchException;
import io.gantry.layercache.FailedPreconditionException;
import io.gantry.layercache.content.ContentStore;
import io.gantry.layercache.distribution.PushProgress;
import io.gantry.layercache.distribution.RegistryClient;
import io.gantry.layercache.distribution.RegistryOptions;
import io.gantry.layercache.image.ImageBuilder;
import io.gantry.layercache.image.ImageStore;
import io.gantry.layercache.image.LayerContent;
import io.gantry.layercache.image.LayerWriter;
import io.gantry.layercache.testing.LocalRegistry;
import io.gantry.layercache.testing.TestImages;
import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.MediaTypes;
import io.gantry.protocol.oci.OciJson;
import io.gantry.protocol.oci.Parsed;
import io.gantry.protocol.oci.Platform;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImportExportTest {

    static final Path SKOPEO = Path.of("/usr/bin/skopeo");

    @TempDir
    Path dir;

    ImageStore store(String name) throws IOException {
        return ImageStore.open(ContentStore.open(dir.resolve(name)));
    }

    static String run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), String.join(" ", command) + " timed out");
        assertEquals(0, process.exitValue(), String.join(" ", command) + ":\n" + output);
        return output;
    }

    static void assumeSkopeo() {
        Assumptions.assumeTrue(Files.isExecutable(SKOPEO), "needs skopeo at " + SKOPEO + " (apt-get install skopeo)");
    }

    @Test
    void ociLayoutDirectoryAndTarRoundTrip() throws Exception {
        ImageStore source = store("source");
        ImageReference name = ImageReference.parse("localhost/demo:1");
        ImageBuilder.BuiltImage built = TestImages.busybox(source, name, ImageBuilder.Format.OCI);
        ImageReference second = ImageReference.parse("example.com/team/other:2");
        ImageBuilder.BuiltImage other = TestImages.random(source, second, 3_000, 5, ImageBuilder.Format.DOCKER);

        Path layout = dir.resolve("layout");
        new OciLayoutExporter(source).exportDirectory(List.of(name, second), layout);
        assertEquals(OciLayoutExporter.LAYOUT_FILE, Files.readString(layout.resolve("oci-layout")));
        assertArrayEquals(built.manifest().raw(),
                Files.readAllBytes(layout.resolve("blobs/sha256/" + built.digest().hex())));

        if (Files.isExecutable(SKOPEO)) {
            // another tool reads the layout: same manifest bytes
            String raw = run(SKOPEO.toString(), "inspect", "--raw", "oci:" + layout + ":1");
            assertEquals(new String(built.manifest().raw(), StandardCharsets.UTF_8), raw.strip());
        }

        ImageStore fromDir = store("from-dir");
        List<ImageStore.Image> imported = new ImageImporter(fromDir).importFrom(layout, null);
        assertEquals(List.of(name, second), imported.stream().map(ImageStore.Image::name).toList());
        assertEquals(built.digest(), fromDir.get(name).target().digest());
        assertEquals(other.digest(), fromDir.get(second).target().digest());
        for (Descriptor layer : built.manifest().value().layers()) {
            assertArrayEquals(source.content().readAll(layer.digest()), fromDir.content().readAll(layer.digest()));
        }

        Path tar = dir.resolve("layout.tar");
        new OciLayoutExporter(source).exportTar(List.of(name), tar);
        ImageStore fromTar = store("from-tar");
        List<ImageStore.Image> fromTarImages = new ImageImporter(fromTar).importFrom(tar, null);
        assertEquals(List.of(name), fromTarImages.stream().map(ImageStore.Image::name).toList());
        Parsed<ImageManifest> manifest = fromTar.manifest(fromTar.get(name), Platform.of("linux", "amd64"));
        assertArrayEquals(built.config().raw(), fromTar.config(manifest).raw());

        FailedPreconditionException notEmpty = assertThrows(FailedPreconditionException.class,
                () -> new OciLayoutExporter(source).exportDirectory(List.of(name), layout));
        assertTrue(notEmpty.getMessage().endsWith("the directory is not empty"), notEmpty.getMessage());
    }

    @Test
    void layoutsAndArchivesWrittenBySkopeoImport() throws Exception {
        assumeSkopeo();
        ImageStore source = store("source");
        try (LocalRegistry registry = LocalRegistry.start(dir.resolve("registry"))) {
            ImageReference name = ImageReference.parse(registry.hostPort() + "/skopeo-src:1");
            ImageBuilder.BuiltImage built = TestImages.busybox(source, name, ImageBuilder.Format.DOCKER);
            try (RegistryClient client = new RegistryClient(source, RegistryOptions.defaults().withPlainHttp(true))) {
                client.push(name, name, PushProgress.NONE);
            }
            String from = "docker://" + name;

            // skopeo's OCI layout (a Docker image is converted to OCI media types on the way)
            Path layout = dir.resolve("skopeo-layout");
            run(SKOPEO.toString(), "copy", "--src-tls-verify=false", from, "oci:" + layout + ":v1");
            ImageStore fromLayout = store("from-layout");
            ImageReference fallback = ImageReference.parse("localhost/imported:latest");
            List<ImageStore.Image> images = new ImageImporter(fromLayout).importFrom(layout, fallback);
            assertEquals(List.of(ImageReference.parse("localhost/imported:v1")),
                    images.stream().map(ImageStore.Image::name).toList());
            Parsed<ImageManifest> manifest = fromLayout.manifest(images.get(0), Platform.of("linux", "amd64"));
            assertEquals(MediaTypes.OCI_MANIFEST, manifest.mediaType());
            assertEquals(built.config().value().diffIds(), fromLayout.config(manifest).value().diffIds());

            // skopeo's docker save archive: uncompressed layers whose digests are the diff ids
            Path archive = dir.resolve("saved.tar");
            run(SKOPEO.toString(), "copy", "--src-tls-verify=false", from, "docker-archive:" + archive + ":app/saved:3");
            ImageStore fromArchive = store("from-archive");
            List<ImageStore.Image> saved = new ImageImporter(fromArchive).importFrom(archive, null);
            ImageReference savedName = ImageReference.parse("docker.io/app/saved:3");
            assertEquals(List.of(savedName), saved.stream().map(ImageStore.Image::name).toList());
            Parsed<ImageManifest> savedManifest = fromArchive.manifest(saved.get(0), Platform.of("linux", "amd64"));
            Parsed<ImageConfig> savedConfig = fromArchive.config(savedManifest);
            assertEquals(built.config().digest(), savedConfig.digest(), "the config travels byte for byte");
            for (int i = 0; i < savedManifest.value().layers().size(); i++) {
                Descriptor layer = savedManifest.value().layers().get(i);
                assertEquals(MediaTypes.DOCKER_LAYER_TAR, layer.mediaType());
                assertEquals(savedConfig.value().diffIds().get(i), layer.digest());
            }

            // and an imported archive can be published again
            ImageReference republished = ImageReference.parse(registry.hostPort() + "/from-archive:1");
            try (RegistryClient client = new RegistryClient(fromArchive, RegistryOptions.defaults().withPlainHttp(true))) {
                client.push(savedName, republished, PushProgress.NONE);
            }
            String inspected = run(SKOPEO.toString(), "inspect", "--tls-verify=false", "docker://" + republished);
            assertTrue(inspected.contains(built.config().value().diffIds().get(0).toString()), inspected);
        }
    }

    /**
     * A docker save archive written by hand the way {@code docker save} lays it out: layer
     * directories with {@code layer.tar} (one a symlink to a shared layer, one gzip-compressed),
     * {@code <config-hex>.json}, {@code manifest.json} and {@code repositories}.
     */
    @Test
    void handWrittenDockerSaveArchiveWithSymlinkedAndCompressedLayers() throws IOException {
        byte[] layerA = tar(LayerContent.builder().file("a.txt", "a").build());
        byte[] layerB = tar(LayerContent.builder().file("b.txt", "b").build());
        byte[] layerBGzip = gzip(layerB);
        Digest diffA = Digest.sha256(layerA);
        Digest diffB = Digest.sha256(layerB);
        ImageConfig config = ImageConfig.of(Platform.of("linux", "amd64"), TestImages.config(), List.of(diffA, diffB, diffA));
        byte[] configBytes = OciJson.write(config);
        Digest configDigest = Digest.sha256(configBytes);
        String manifestJson = "[{\"Config\":\"" + configDigest.hex() + ".json\",\"RepoTags\":[\"hand/made:1\",\"hand/made:latest\"],"
                + "\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\",\"ccc/layer.tar\"]}]";

        Path archive = dir.resolve("hand.tar");
        try (OutputStream file = Files.newOutputStream(archive); TarArchiveOutputStream out = new TarArchiveOutputStream(file)) {
            addFile(out, "aaa/layer.tar", layerA);
            addFile(out, "aaa/VERSION", "1.0".getBytes(StandardCharsets.UTF_8));
            addFile(out, "bbb/layer.tar", layerBGzip);
            TarArchiveEntry link = new TarArchiveEntry("ccc/layer.tar", TarArchiveEntry.LF_SYMLINK);
            link.setLinkName("../aaa/layer.tar");
            out.putArchiveEntry(link);
            out.closeArchiveEntry();
            addFile(out, configDigest.hex() + ".json", configBytes);
            addFile(out, "manifest.json", manifestJson.getBytes(StandardCharsets.UTF_8));
            addFile(out, "repositories", "{\"hand/made\":{\"1\":\"aaa\"}}".getBytes(StandardCharsets.UTF_8));
        }
        ImageStore target = store("target");
        List<ImageStore.Image> images = new ImageImporter(target).importFrom(archive, null);
        assertEquals(List.of("docker.io/hand/made:1", "docker.io/hand/made:latest"),
                images.stream().map(i -> i.name().toString()).toList());
        Parsed<ImageManifest> manifest = target.manifest(images.get(0), Platform.of("linux", "amd64"));
        List<Descriptor> layers = manifest.value().layers();
        assertEquals(List.of(MediaTypes.DOCKER_LAYER_TAR, MediaTypes.DOCKER_LAYER_TAR_GZIP, MediaTypes.DOCKER_LAYER_TAR),
                layers.stream().map(Descriptor::mediaType).toList());
        assertEquals(diffA, layers.get(0).digest());
        assertEquals(Digest.sha256(layerBGzip), layers.get(1).digest());
        assertEquals(layers.get(0), layers.get(2), "the symlinked layer is the same blob");

        // a layer that is not what the config's diff_ids say is refused
        byte[] badConfig = OciJson.write(ImageConfig.of(Platform.of("linux", "amd64"), TestImages.config(),
                List.of(diffB, diffB, diffA)));
        Digest badDigest = Digest.sha256(badConfig);
        Path bad = dir.resolve("bad.tar");
        try (OutputStream file = Files.newOutputStream(bad); TarArchiveOutputStream out = new TarArchiveOutputStream(file)) {
            addFile(out, "aaa/layer.tar", layerA);
            addFile(out, "bbb/layer.tar", layerB);
            addFile(out, badDigest.hex() + ".json", badConfig);
            addFile(out, "manifest.json", ("[{\"Config\":\"" + badDigest.hex() + ".json\",\"RepoTags\":[\"bad:1\"],"
                    + "\"Layers\":[\"aaa/layer.tar\",\"bbb/layer.tar\",\"aaa/layer.tar\"]}]").getBytes(StandardCharsets.UTF_8));
        }
        DigestMismatchException e = assertThrows(DigestMismatchException.class,
                () -> new ImageImporter(store("bad")).importFrom(bad, null));
        assertEquals("import " + bad + ": manifest.json[0]: layer 0 (aaa/layer.tar): diff id mismatch for " + diffB
                + ": got " + diffA, e.getMessage());
    }

    @Test
    void aLayoutBlobThatIsNotWhatItsNameSaysIsRefused() throws IOException {
        ImageStore source = store("source");
        ImageReference name = ImageReference.parse("localhost/demo:1");
        ImageBuilder.BuiltImage built = TestImages.random(source, name, 1_000, 8, ImageBuilder.Format.OCI);
        Path layout = dir.resolve("layout");
        new OciLayoutExporter(source).exportDirectory(List.of(name), layout);
        Digest layer = built.manifest().value().layers().get(0).digest();
        Path blob = layout.resolve("blobs/sha256/" + layer.hex());
        byte[] bytes = Files.readAllBytes(blob);
        bytes[10] ^= 1;
        Files.write(blob, bytes);
        DigestMismatchException e = assertThrows(DigestMismatchException.class,
                () -> new ImageImporter(store("target")).importFrom(layout, null));
        assertEquals("import " + layout + ": blobs/sha256/" + layer.hex() + ": digest mismatch for " + layer
                + ": got " + Digest.sha256(bytes), e.getMessage());
    }

    private static byte[] tar(LayerContent content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LayerWriter.writeTar(content, out);
        return out.toByteArray();
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (java.util.zip.GZIPOutputStream gz = new java.util.zip.GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private static void addFile(TarArchiveOutputStream out, String name, byte[] bytes) throws IOException {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        entry.setSize(bytes.length);
        out.putArchiveEntry(entry);
        out.write(bytes);
        out.closeArchiveEntry();
    }
}
