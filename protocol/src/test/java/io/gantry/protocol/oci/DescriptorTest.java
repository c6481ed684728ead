package io.gantry.protocol.oci;

import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DescriptorTest {

    private static final byte[] EMPTY_JSON = "{}".getBytes(StandardCharsets.UTF_8);
    private static final Digest EMPTY_DIGEST = Digest.parse(
            "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a");

    @Test
    void validatesItsShape() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Descriptor.of(MediaTypes.OCI_LAYER_TAR, EMPTY_DIGEST, -1));
        assertEquals("descriptor " + EMPTY_DIGEST + ": size must not be negative, got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Descriptor.of(null, EMPTY_DIGEST, 1));
        assertEquals("descriptor: mediaType is required", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Descriptor.of(" ", EMPTY_DIGEST, 1));
        assertEquals("descriptor: mediaType is required", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Descriptor.of(MediaTypes.OCI_CONFIG, null, 1));
        assertEquals("descriptor: digest is required", e.getMessage());
        assertEquals(0, Descriptor.of(MediaTypes.OCI_LAYER_TAR, EMPTY_DIGEST, 0).size());
    }

    @Test
    void embeddedDataMustBeTheBlob() {
        Descriptor empty = new Descriptor(MediaTypes.OCI_EMPTY, EMPTY_DIGEST, 2, null, null, EMPTY_JSON, null, null, null);
        assertTrue(empty.hasData());
        assertArrayEquals(EMPTY_JSON, empty.data());
        empty.data()[0] = 'x';
        assertArrayEquals(EMPTY_JSON, empty.data(), "the record hands out copies");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Descriptor(
                MediaTypes.OCI_EMPTY, EMPTY_DIGEST, 3, null, null, EMPTY_JSON, null, null, null));
        assertEquals("descriptor " + EMPTY_DIGEST + ": embedded data is 2 bytes but size says 3", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Descriptor(
                MediaTypes.OCI_EMPTY, EMPTY_DIGEST, 2, null, null, "[]".getBytes(StandardCharsets.UTF_8), null, null, null));
        assertTrue(e.getMessage().startsWith("descriptor " + EMPTY_DIGEST + ": embedded data has digest sha256:"),
                e.getMessage());
    }

    @Test
    void dataIsBase64InJson() {
        Descriptor empty = new Descriptor(MediaTypes.OCI_EMPTY, EMPTY_DIGEST, 2, null, null, EMPTY_JSON, null, null, null);
        String json = new String(OciJson.write(empty), StandardCharsets.UTF_8);
        assertEquals("{\"mediaType\":\"application/vnd.oci.empty.v1+json\",\"digest\":\"" + EMPTY_DIGEST
                + "\",\"size\":2,\"data\":\"" + Base64.getEncoder().encodeToString(EMPTY_JSON) + "\"}", json);
        assertEquals(empty, OciJson.read(json.getBytes(StandardCharsets.UTF_8), Descriptor.class));

        String tampered = json.replace("e30=", "W10="); // "[]"
        InvalidDocumentException e = assertThrows(InvalidDocumentException.class,
                () -> OciJson.read(tampered.getBytes(StandardCharsets.UTF_8), Descriptor.class));
        assertTrue(e.getMessage().contains("embedded data has digest"), e.getMessage());
    }

    @Test
    void roundTripsEveryField() {
        Descriptor full = new Descriptor(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP, EMPTY_DIGEST, 2,
                List.of("https://example.com/a", "https://example.com/b"),
                Map.of("org.opencontainers.image.title", "a.tar.gz"), EMPTY_JSON,
                Platform.parse("linux/arm/v7"), "application/vnd.example", Map.of());
        byte[] json = OciJson.write(full);
        Descriptor read = OciJson.read(json, Descriptor.class);
        assertEquals(full, read);
        assertEquals(full.hashCode(), read.hashCode());
        assertEquals("{\"mediaType\":\"application/vnd.oci.image.layer.nondistributable.v1.tar+gzip\","
                + "\"digest\":\"" + EMPTY_DIGEST + "\",\"size\":2,"
                + "\"urls\":[\"https://example.com/a\",\"https://example.com/b\"],"
                + "\"annotations\":{\"org.opencontainers.image.title\":\"a.tar.gz\"},"
                + "\"data\":\"e30=\",\"platform\":{\"architecture\":\"arm\",\"os\":\"linux\",\"variant\":\"v7\"},"
                + "\"artifactType\":\"application/vnd.example\"}", new String(json, StandardCharsets.UTF_8));
    }

    @Test
    void equalityCoversData() {
        Descriptor a = new Descriptor(MediaTypes.OCI_EMPTY, EMPTY_DIGEST, 2, null, null, EMPTY_JSON, null, null, null);
        Descriptor b = Descriptor.of(MediaTypes.OCI_EMPTY, EMPTY_DIGEST, 2);
        assertNotEquals(a, b);
        assertFalse(b.hasData());
        assertNull(b.data());
        assertEquals(b, Descriptor.forContent(MediaTypes.OCI_EMPTY, EMPTY_JSON));
    }

    @Test
    void nullAnnotationValuesReadAsEmptyLikeGo() {
        Descriptor d = OciJson.read(("{\"mediaType\":\"x/y\",\"digest\":\"" + EMPTY_DIGEST + "\",\"size\":2,"
                + "\"annotations\":{\"a\":null}}").getBytes(StandardCharsets.UTF_8), Descriptor.class);
        assertEquals(Map.of("a", ""), d.annotations());
    }

    @Test
    void withersKeepTheRest() {
        Descriptor d = Descriptor.of(MediaTypes.OCI_MANIFEST, EMPTY_DIGEST, 2);
        Descriptor p = d.withPlatform(Platform.parse("linux/amd64")).withAnnotations(Map.of("k", "v"));
        assertEquals(d.digest(), p.digest());
        assertEquals(Platform.parse("linux/amd64"), p.platform());
        assertEquals(Map.of("k", "v"), p.annotations());
        assertTrue(p.toString().contains("linux/amd64"), p.toString());
    }
}
