package io.gantry.protocol.oci;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageManifestTest {

    @Test
    void readsTheOciSpecExample() {
        ImageManifest m = OciJson.parseManifest(Resources.bytes("oci/image-manifest.json")).as(ImageManifest.class).value();
        assertEquals(2, m.schemaVersion());
        assertEquals(MediaTypes.OCI_MANIFEST, m.mediaType());
        assertFalse(m.isDocker());
        assertEquals(MediaTypes.OCI_CONFIG, m.config().mediaType());
        assertEquals(7023, m.config().size());
        assertEquals(3, m.layers().size());
        assertTrue(m.layers().stream().allMatch(l -> MediaTypes.isLayer(l.mediaType())));
        assertEquals(32654 + 16724 + 73109, m.layersSize());
        assertEquals("sha256:5b0bcabd1ed22e9fb1310cf6c2dec7cdef19f0ad69efa1f392e94a4333501270",
                m.subject().digest().toString());
        assertEquals(Map.of("com.example.key1", "value1", "com.example.key2", "value2"), m.annotations());
        assertNull(m.artifactType());
    }

    @Test
    void readsTheDockerSchema2Example() {
        ImageManifest m = OciJson.parseManifest(Resources.bytes("docker/manifest-v2.json")).as(ImageManifest.class).value();
        assertTrue(m.isDocker());
        assertEquals(MediaTypes.DOCKER_CONFIG, m.config().mediaType());
        assertEquals(List.of(32654L, 16724L, 73109L), m.layers().stream().map(Descriptor::size).toList());
        assertTrue(m.layers().stream().allMatch(l -> MediaTypes.compression(l.mediaType()) == MediaTypes.Compression.GZIP));
        assertNull(m.subject());
        assertEquals(Map.of(), m.annotations());
    }

    @Test
    void readsAnArtifactWithEmbeddedEmptyConfig() {
        ImageManifest m = OciJson.parseManifest(Resources.bytes("oci/artifact-manifest.json")).as(ImageManifest.class).value();
        assertEquals("application/vnd.example.sbom.v1+json", m.artifactType());
        assertEquals(MediaTypes.OCI_EMPTY, m.config().mediaType());
        assertEquals("{}", new String(m.config().data(), java.nio.charset.StandardCharsets.UTF_8));
        assertEquals("sbom.json", m.layers().get(0).annotations().get("org.opencontainers.image.title"));
        assertFalse(MediaTypes.isLayer(m.layers().get(0).mediaType()));
    }

    @Test
    void buildsBothKindsInCode() {
        Descriptor config = Descriptor.forContent(MediaTypes.OCI_CONFIG, "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Descriptor layer = Descriptor.of(MediaTypes.OCI_LAYER_TAR_GZIP, Digest.sha256(new byte[] {1}), 1);
        ImageManifest oci = ImageManifest.oci(config, List.of(layer));
        ImageManifest docker = ImageManifest.docker(config, List.of(layer));
        assertEquals(oci, OciJson.parseManifest(OciJson.write(oci)).value());
        assertEquals(docker, OciJson.parseManifest(OciJson.write(docker)).value());
        assertEquals(MediaTypes.DOCKER_MANIFEST, OciJson.parseManifest(OciJson.write(docker)).mediaType());
    }

    @Test
    void refusesWhatIsNotAManifest() {
        Descriptor config = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(new byte[0]), 0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageManifest(2, MediaTypes.OCI_INDEX, null, config, List.of(), null, null, null));
        assertTrue(e.getMessage().contains("is not an image manifest type"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ImageManifest(1, null, null, config, List.of(), null, null, null));
        assertEquals("schemaVersion must be 2, got 1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new ImageManifest(2, null, null, null, List.of(), null, null, null));
        assertEquals("config is required", e.getMessage());
    }
}
