package io.gantry.protocol.oci;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OciJsonTest {

    static Stream<Arguments> manifestDocuments() {
        return Stream.of(
                Arguments.of("oci/image-manifest.json", ImageManifest.class, MediaTypes.OCI_MANIFEST),
                Arguments.of("oci/image-index.json", ImageIndex.class, MediaTypes.OCI_INDEX),
                Arguments.of("oci/index-multiarch.json", ImageIndex.class, MediaTypes.OCI_INDEX),
                Arguments.of("oci/artifact-manifest.json", ImageManifest.class, MediaTypes.OCI_MANIFEST),
                Arguments.of("oci/manifest-unknown-fields.json", ImageManifest.class, MediaTypes.OCI_MANIFEST),
                Arguments.of("oci/index-no-media-type.json", ImageIndex.class, MediaTypes.OCI_INDEX),
                Arguments.of("oci/manifest-no-media-type.json", ImageManifest.class, MediaTypes.OCI_MANIFEST),
                Arguments.of("docker/manifest-v2.json", ImageManifest.class, MediaTypes.DOCKER_MANIFEST),
                Arguments.of("docker/manifest-list.json", ImageIndex.class, MediaTypes.DOCKER_MANIFEST_LIST));
    }

    @ParameterizedTest
    @MethodSource("manifestDocuments")
    void digestIsOfTheBytesReceivedNotOfAReserialisation(String resource, Class<?> kind, String mediaType) {
        byte[] raw = Resources.bytes(resource);
        Parsed<ManifestDocument> parsed = OciJson.parseManifest(raw);

        assertInstanceOf(kind, parsed.value());
        assertEquals(mediaType, parsed.mediaType());
        assertEquals(Digest.sha256(raw), parsed.digest());
        assertArrayEquals(raw, parsed.raw());
        assertEquals(raw.length, parsed.size());
        assertEquals(Descriptor.of(mediaType, Digest.sha256(raw), raw.length), parsed.descriptor());

        // The files are indented and ordered by hand; writing the value back gives other bytes.
        byte[] rewritten = OciJson.write(parsed.value());
        assertNotEquals(Digest.sha256(raw), Digest.sha256(rewritten), "re-serialisation should differ for " + resource);
        // ...which parse to a document with their own digest, and the same value.
        Parsed<ManifestDocument> again = OciJson.parseManifest(rewritten);
        assertEquals(Digest.sha256(rewritten), again.digest());
        assertEquals(parsed.value(), again.value());
    }

    @ParameterizedTest
    @ValueSource(strings = {"oci/image-manifest.json", "oci/image-index.json", "oci/artifact-manifest.json",
            "oci/index-multiarch.json", "docker/manifest-v2.json",
            "docker/manifest-list.json", "oci/image-config.json"})
    void writingGivesBackTheDocumentsFieldsExactly(String resource) throws Exception {
        // Field for field, value for value (order and whitespace aside): the names are the spec's.
        byte[] raw = Resources.bytes(resource);
        Object value = resource.endsWith("image-config.json")
                ? OciJson.parseImageConfig(raw).value()
                : OciJson.parseManifest(raw).value();
        JsonNode original = OciJson.mapper().readTree(raw);
        JsonNode written = OciJson.mapper().readTree(OciJson.write(value));
        assertEquals(original, written, resource);
        assertEquals(original, OciJson.mapper().readTree(OciJson.writePretty(value)), resource);
    }

    @Test
    void verifiesTheExpectedDigest() {
        byte[] raw = Resources.bytes("oci/image-manifest.json");
        Digest right = Digest.sha256(raw);
        assertEquals(right, OciJson.parseManifest(raw, MediaTypes.OCI_MANIFEST, right).digest());

        Digest wrong = Digest.sha256("something else".getBytes(StandardCharsets.UTF_8));
        DigestMismatchException e = assertThrows(DigestMismatchException.class,
                () -> OciJson.parseManifest(raw, MediaTypes.OCI_MANIFEST, wrong));
        assertEquals("manifest digest mismatch: expected " + wrong + ", got " + right, e.getMessage());
        assertEquals(wrong, e.expected());
        assertEquals(right, e.actual());
    }

    @Test
    void verifiesWithTheExpectedAlgorithm() {
        byte[] raw = Resources.bytes("oci/image-index.json");
        Digest sha512 = Digest.of("sha512", raw);
        Parsed<ManifestDocument> parsed = OciJson.parseManifest(raw, null, sha512);
        assertEquals(sha512, parsed.digest());
    }

    @Test
    void aSingleChangedByteIsAMismatch() {
        byte[] raw = Resources.bytes("docker/manifest-v2.json");
        Digest expected = Digest.sha256(raw);
        byte[] tampered = raw.clone();
        int space = new String(raw, StandardCharsets.UTF_8).indexOf(' ');
        tampered[space] = '\t'; // still valid JSON, same value
        assertEquals(OciJson.parseManifest(raw).value(), OciJson.parseManifest(tampered).value());
        assertThrows(DigestMismatchException.class, () -> OciJson.parseManifest(tampered, null, expected));
    }

    @Test
    void parseThroughADescriptorChecksSizeDigestAndType() {
        byte[] raw = Resources.bytes("docker/manifest-v2.json");
        Descriptor good = Descriptor.forContent(MediaTypes.DOCKER_MANIFEST, raw);
        Parsed<ImageManifest> parsed = OciJson.parseManifest(raw, good).as(ImageManifest.class);
        assertTrue(parsed.value().isDocker());

        Descriptor wrongSize = Descriptor.of(MediaTypes.DOCKER_MANIFEST, good.digest(), raw.length + 1);
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> OciJson.parseManifest(raw, wrongSize));
        assertTrue(e.getMessage().contains("is " + raw.length + " bytes but its descriptor says " + (raw.length + 1)),
                e.getMessage());

        Descriptor wrongType = Descriptor.of(MediaTypes.OCI_MANIFEST, good.digest(), raw.length);
        e = assertThrows(InvalidDocumentException.class, () -> OciJson.parseManifest(raw, wrongType));
        assertTrue(e.getMessage().contains("differs from"), e.getMessage());
    }

    @Test
    void contentTypeDecidesWhenTheDocumentHasNoMediaType() {
        byte[] raw = Resources.bytes("oci/manifest-no-media-type.json");
        Parsed<ManifestDocument> parsed = OciJson.parseManifest(raw, "application/vnd.oci.image.manifest.v1+json; charset=utf-8", null);
        assertEquals(MediaTypes.OCI_MANIFEST, parsed.mediaType());
        assertNull(parsed.value().mediaType());
        // A generic content type says nothing: the shape decides.
        assertEquals(MediaTypes.OCI_MANIFEST, OciJson.parseManifest(raw, "application/json", null).mediaType());
    }

    @Test
    void asRefusesTheOtherKind() {
        Parsed<ManifestDocument> index = OciJson.parseManifest(Resources.bytes("oci/image-index.json"));
        assertEquals(2, index.as(ImageIndex.class).value().manifests().size());
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class, () -> index.as(ImageManifest.class));
        assertTrue(e.getMessage().contains("expected an image manifest but the document sha256:"), e.getMessage());
        assertTrue(e.getMessage().contains("is an image index (" + MediaTypes.OCI_INDEX + ")"), e.getMessage());
    }

    @Test
    void unknownFieldsAreKeptAndWrittenBack() throws Exception {
        byte[] raw = Resources.bytes("oci/manifest-unknown-fields.json");
        ImageManifest m = OciJson.parseManifest(raw).as(ImageManifest.class).value();

        assertEquals(Map.of("x-gantry-test-future", OciJson.mapper().readTree(
                "{\"nested\": [1, 2.5, \"three\", null], \"flag\": true}"),
                "anotherUnknown", OciJson.mapper().readTree("42")), m.unknownFields());
        assertEquals("kept", m.config().unknownFields().get("x-descriptor-extension").asText());
        Descriptor layer = m.layers().get(0);
        assertEquals(MediaTypes.Compression.ZSTD, MediaTypes.compression(layer.mediaType()));
        assertEquals(List.of("https://mirror.example.com/layer.tar.zst"), layer.urls());
        assertEquals(Platform.of("linux", "amd64"), layer.platform()); // unknown platform fields are ignored

        String written = new String(OciJson.write(m), StandardCharsets.UTF_8);
        assertTrue(written.contains("\"x-gantry-test-future\":{\"nested\":[1,2.5,\"three\",null],\"flag\":true}"), written);
        assertTrue(written.contains("\"x-descriptor-extension\":\"kept\""), written);
        assertFalse(written.contains("x-platform-extension"), written);
    }

    @Test
    void unknownFieldsDeeperDownAreIgnored() {
        String json = "{\"architecture\":\"amd64\",\"os\":\"linux\",\"x-top\":[1],"
                + "\"config\":{\"Healthcheck\":{\"Test\":[\"NONE\"],\"x-hc\":1}},"
                + "\"rootfs\":{\"type\":\"layers\",\"x-rootfs\":{}},"
                + "\"history\":[{\"created_by\":\"ENV A=b\",\"empty_layer\":true,\"x-history\":\"z\"}]}";
        ImageConfig c = OciJson.parseImageConfig(json.getBytes(StandardCharsets.UTF_8)).value();
        assertEquals(List.of("NONE"), c.config().healthcheck().test());
        assertEquals("ENV A=b", c.history().get(0).createdBy());
        assertEquals(List.of("x-top"), List.copyOf(c.unknownFields().keySet()));
    }

    @Test
    void aParsedDocumentAlwaysCarriesTheDigestOfItsBytes() {
        byte[] raw = Resources.bytes("oci/image-manifest.json");
        ImageManifest value = OciJson.parseManifest(raw).as(ImageManifest.class).value();
        Digest ofRewritten = Digest.sha256(OciJson.write(value));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Parsed<>(value, raw, ofRewritten, MediaTypes.OCI_MANIFEST));
        assertTrue(e.getMessage().contains("is not the digest of its bytes"), e.getMessage());

        Parsed<ImageManifest> parsed = new Parsed<>(value, raw, Digest.sha256(raw), MediaTypes.OCI_MANIFEST);
        parsed.raw()[0] = 'x';
        assertEquals(Digest.sha256(parsed.raw()), parsed.digest(), "raw bytes are handed out as copies");
        assertEquals(parsed, OciJson.parseManifest(raw).as(ImageManifest.class));
    }

    @Test
    void shapeDecidesWhenThereIsNoMediaTypeAnywhere() {
        assertInstanceOf(ImageIndex.class, OciJson.parseManifest(Resources.bytes("oci/index-no-media-type.json")).value());
        assertInstanceOf(ImageManifest.class,
                OciJson.parseManifest(Resources.bytes("oci/manifest-no-media-type.json")).value());
    }

    static Stream<Arguments> malformedManifests() {
        String config = "{\"mediaType\":\"application/vnd.oci.image.config.v1+json\","
                + "\"digest\":\"sha256:b5b2b2c507a0944348e0303114d8d93aaaa081732b86451d9bce1f432a537bc7\",\"size\":7023}";
        String layer = "{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar+gzip\","
                + "\"digest\":\"sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0\",\"size\":32654}";
        return Stream.of(
                Arguments.of("", "invalid manifest: empty document"),
                Arguments.of("   ", "invalid manifest: empty document"),
                Arguments.of("{\"schemaVersion\":2,", "invalid manifest: not valid JSON"),
                Arguments.of("[1,2]", "invalid manifest: expected a JSON object, got array"),
                Arguments.of("{\"schemaVersion\":2,\"config\":" + config + "} trailing",
                        "invalid manifest: not valid JSON"),
                Arguments.of("{\"schemaVersion\":2}",
                        "cannot tell an image manifest from an index"),
                Arguments.of("{\"config\":" + config + "}", "invalid manifest: schemaVersion is required (2)"),
                Arguments.of("{\"schemaVersion\":3,\"config\":" + config + "}",
                        "invalid image manifest: schemaVersion must be 2, got 3"),
                Arguments.of("{\"schemaVersion\":1,\"name\":\"x\",\"fsLayers\":[]}",
                        "schema 1 is not supported"),
                Arguments.of("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.DOCKER_SCHEMA1_SIGNED_MANIFEST + "\"}",
                        "schema 1 is not supported"),
                Arguments.of("{\"schemaVersion\":2,\"mediaType\":7,\"layers\":[]}",
                        "invalid manifest: mediaType must be a string, got 7"),
                Arguments.of("{\"schemaVersion\":2,\"mediaType\":\"application/vnd.example+json\",\"layers\":[]}",
                        "invalid manifest: unsupported media type 'application/vnd.example+json'"),
                Arguments.of("{\"schemaVersion\":2,\"manifests\":[],\"layers\":[]}",
                        "ambiguous document: it has both 'manifests'"),
                Arguments.of("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_INDEX + "\",\"config\":" + config + "}",
                        "invalid image index: media type " + MediaTypes.OCI_INDEX + " but the document has 'config'/'layers'"),
                Arguments.of("{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"manifests\":[]}",
                        "invalid image manifest: media type " + MediaTypes.OCI_MANIFEST + " but the document has 'manifests'"),
                Arguments.of("{\"schemaVersion\":2,\"layers\":[" + layer + "]}",
                        "invalid image manifest: config is required"),
                Arguments.of("{\"schemaVersion\":2,\"config\":" + config + ",\"layers\":[" + layer + ","
                                + layer.replace("sha256:9834", "sha256:XY34") + "]}",
                        "invalid image manifest: layers[1].digest: digest: sha256 needs 64 lowercase hex characters"),
                Arguments.of("{\"schemaVersion\":2,\"config\":" + config + ",\"layers\":[" + layer.replace("32654", "-1") + "]}",
                        "invalid image manifest: layers[0]: descriptor sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0: size must not be negative, got -1"),
                Arguments.of("{\"schemaVersion\":2,\"config\":" + config + ",\"layers\":[" + layer.replace("32654", "\"32654\"") + "]}",
                        "invalid image manifest: layers[0].size"),
                Arguments.of("{\"schemaVersion\":2,\"config\":" + config + ",\"layers\":[" + layer.replace("32654", "1.5") + "]}",
                        "invalid image manifest: layers[0].size"),
                Arguments.of("{\"schemaVersion\":2,\"config\":" + config.replace(",\"size\":7023", "") + "}",
                        "invalid image manifest: config.size is required"),
                Arguments.of("{\"schemaVersion\":2,\"config\":" + config.replace("\"mediaType\":\"application/vnd.oci.image.config.v1+json\",", "") + "}",
                        "invalid image manifest: config.mediaType is required"),
                Arguments.of("{\"schemaVersion\":2,\"config\":" + config + ",\"layers\":[null]}",
                        "invalid image manifest: layers[0] is null"),
                Arguments.of("{\"schemaVersion\":2,\"config\":" + config + ",\"layers\":{}}",
                        "invalid image manifest: layers"));
    }

    @ParameterizedTest
    @MethodSource("malformedManifests")
    void malformedManifestsAreRefusedWithAClearMessage(String json, String expectedFragment) {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> OciJson.parseManifest(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains(expectedFragment), () -> "'" + e.getMessage() + "' lacks '" + expectedFragment + "'");
    }

    @Test
    void oversizedManifestsAreRefused() {
        byte[] huge = new byte[OciJson.MAX_MANIFEST_BYTES + 1];
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class, () -> OciJson.parseManifest(huge));
        assertTrue(e.getMessage().contains("more than the"), e.getMessage());
    }

    @Test
    void imageConfigDigestAndTypeAreChecked() {
        byte[] raw = Resources.bytes("oci/image-config.json");
        Descriptor d = Descriptor.forContent(MediaTypes.OCI_CONFIG, raw);
        Parsed<ImageConfig> parsed = OciJson.parseImageConfig(raw, d);
        assertEquals(d.digest(), parsed.digest());
        assertEquals(d, parsed.descriptor());

        Descriptor other = Descriptor.of(MediaTypes.OCI_CONFIG, Digest.sha256(new byte[1]), raw.length);
        DigestMismatchException e = assertThrows(DigestMismatchException.class, () -> OciJson.parseImageConfig(raw, other));
        assertTrue(e.getMessage().startsWith("image config digest mismatch: expected " + other.digest()), e.getMessage());

        Descriptor artifact = Descriptor.of(MediaTypes.OCI_EMPTY, d.digest(), raw.length);
        InvalidDocumentException notConfig = assertThrows(InvalidDocumentException.class,
                () -> OciJson.parseImageConfig(raw, artifact));
        assertTrue(notConfig.getMessage().contains("is not an image config"), notConfig.getMessage());
    }

    static Stream<Arguments> malformedConfigs() {
        String rootfs = "\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[]}";
        return Stream.of(
                Arguments.of("{\"os\":\"linux\"," + rootfs + "}", "invalid image config: architecture is required"),
                Arguments.of("{\"architecture\":\"amd64\"," + rootfs + "}", "invalid image config: os is required"),
                Arguments.of("{\"architecture\":\"amd64\",\"os\":\"linux\"}", "invalid image config: rootfs is required"),
                Arguments.of("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"tarballs\"}}",
                        "invalid image config: rootfs: type must be 'layers', got 'tarballs'"),
                Arguments.of("{\"architecture\":\"amd64\",\"os\":\"linux\",\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:abc\"]}}",
                        "invalid image config: rootfs.diff_ids[0]: digest: sha256 needs 64 lowercase hex characters, got 'abc'"),
                Arguments.of("{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"yesterday\"," + rootfs + "}",
                        "invalid image config: created: "),
                Arguments.of("{\"architecture\":\"amd64\",\"os\":\"linux\",\"config\":{\"Volumes\":[\"/data\"]}," + rootfs + "}",
                        "invalid image config: config.Volumes: expected a JSON object whose keys are the entries"));
    }

    @ParameterizedTest
    @MethodSource("malformedConfigs")
    void malformedConfigsAreRefusedWithAClearMessage(String json, String expectedFragment) {
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> OciJson.parseImageConfig(json.getBytes(StandardCharsets.UTF_8)));
        assertTrue(e.getMessage().contains(expectedFragment), () -> "'" + e.getMessage() + "' lacks '" + expectedFragment + "'");
    }

    @Test
    void readsOtherModelsWithTheSameErrors() {
        Descriptor d = OciJson.read(("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0\",\"size\":0}")
                .getBytes(StandardCharsets.UTF_8), Descriptor.class);
        assertEquals(0, d.size());
        assertEquals("{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\","
                + "\"digest\":\"sha256:9834876dcfb05cb167a5c24953eba58c4ac89b1adf57f28f2f9d09af107ee8f0\",\"size\":0}",
                new String(OciJson.write(d), StandardCharsets.UTF_8), "size 0 is written, not left out");
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> OciJson.read("{\"digest\":\"md5:00\",\"mediaType\":\"x\",\"size\":1}".getBytes(StandardCharsets.UTF_8),
                        Descriptor.class));
        assertEquals("invalid descriptor: digest: digest: unsupported algorithm 'md5' (sha256 and sha512 are supported)",
                e.getMessage());
    }
}
