package io.gantry.protocol.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ImageIndexTest {

    private static ImageIndex multiarch() {
        return OciJson.parseManifest(Resources.bytes("oci/index-multiarch.json")).as(ImageIndex.class).value();
    }

    private static String digestStart(Descriptor d) {
        return d.digest().hex().substring(0, 6);
    }

    @ParameterizedTest(name = "{0} selects {1}")
    @CsvSource({
            "linux/amd64,      ca9781",   // exact
            "linux/x86_64,     ca9781",
            "linux/amd64/v3,   ca9781",   // v3 hardware runs the v1 image
            "linux/arm64,      3f79bb",   // arm64 is arm64/v8
            "linux/arm64/v8,   3f79bb",
            "linux/aarch64,    3f79bb",
            "linux/arm,        18ac3e",   // arm is arm/v7
            "linux/arm/v7,     18ac3e",
            "linux/arm/v6,     2e7d2c",
            "linux/arm/v5,     3e23e8",
            "linux/386,        252f10",
            "linux/ppc64le,    cd0aa9",
            "linux/riscv64,    aaa940",
            "linux/s390x,      de7d1b",
            "windows/amd64,    189f40",
    })
    void selectsTheBestManifest(String wanted, String expectedDigestStart) {
        assertEquals(expectedDigestStart, digestStart(multiarch().select(Platform.parse(wanted))));
    }

    @Test
    void candidatesAreBestFirst() {
        List<String> arm64 = multiarch().candidates(Platform.parse("linux/arm64")).stream()
                .map(d -> d.platform().toString()).toList();
        assertEquals(List.of("linux/arm64/v8", "linux/arm/v7", "linux/arm/v6", "linux/arm/v5"), arm64);
        List<String> amd64 = multiarch().candidates(Platform.parse("linux/amd64")).stream()
                .map(d -> d.platform().toString()).toList();
        assertEquals(List.of("linux/amd64", "linux/386"), amd64);
    }

    @Test
    void fallsBackToACompatibleVariant() {
        // An index without arm64: an arm64 node runs the 32-bit arm/v7 image.
        ImageIndex index = ImageIndex.oci(multiarch().manifests().stream()
                .filter(d -> !"arm64".equals(d.platform().architecture())).toList());
        assertEquals("linux/arm/v7", index.select(Platform.parse("linux/arm64")).platform().toString());
    }

    @Test
    void noMatchNamesWhatIsAvailable() {
        PlatformNotFoundException e = assertThrows(PlatformNotFoundException.class,
                () -> multiarch().select(Platform.parse("linux/mips64le")));
        assertEquals("no manifest for platform linux/mips64le in the index; available: linux/amd64, linux/arm/v5, "
                + "linux/arm/v6, linux/arm/v7, linux/arm64/v8, linux/386, linux/ppc64le, linux/riscv64, linux/s390x, "
                + "windows(10.0.17763.5122)/amd64, unknown/unknown", e.getMessage());
        assertEquals(Platform.parse("linux/mips64le"), e.wanted());
        assertEquals(11, e.available().size());

        ImageIndex spec = OciJson.parseManifest(Resources.bytes("oci/image-index.json")).as(ImageIndex.class).value();
        e = assertThrows(PlatformNotFoundException.class, () -> spec.select(Platform.parse("linux/arm64")));
        assertEquals("no manifest for platform linux/arm64 in the index; available: linux/ppc64le, linux/amd64",
                e.getMessage());
        e = assertThrows(PlatformNotFoundException.class, () -> ImageIndex.oci(List.of()).select(Platform.parse("linux/amd64")));
        assertTrue(e.getMessage().endsWith("available: none"), e.getMessage());
    }

    @Test
    void entriesWithoutPlatformComeLastAndBlobsAreSkipped() {
        Descriptor untagged = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {1}), 10);
        Descriptor blob = Descriptor.of(MediaTypes.OCI_LAYER_TAR, Digest.sha256(new byte[] {2}), 10)
                .withPlatform(Platform.parse("linux/amd64"));
        Descriptor amd64 = Descriptor.of(MediaTypes.OCI_MANIFEST, Digest.sha256(new byte[] {3}), 10)
                .withPlatform(Platform.parse("linux/amd64"));
        ImageIndex index = ImageIndex.oci(List.of(untagged, blob, amd64));
        assertEquals(List.of(amd64, untagged), index.candidates(Platform.parse("linux/amd64")));
        assertEquals(untagged, index.select(Platform.parse("linux/s390x")));
        assertEquals(List.of("(no platform)", "linux/amd64"), index.availablePlatforms());
    }

    @Test
    void selectsFromADockerManifestList() {
        ImageIndex list = OciJson.parseManifest(Resources.bytes("docker/manifest-list.json")).as(ImageIndex.class).value();
        assertTrue(list.isDocker());
        Descriptor amd64 = list.select(Platform.parse("linux/amd64"));
        assertEquals(MediaTypes.DOCKER_MANIFEST, amd64.mediaType());
        assertEquals(7682, amd64.size());
        assertEquals(List.of("sse4"), amd64.platform().features());
        assertEquals(7143, list.select(Platform.parse("linux/ppc64le")).size());
    }

    @Test
    void readsTheSpecExample() {
        ImageIndex index = OciJson.parseManifest(Resources.bytes("oci/image-index.json")).as(ImageIndex.class).value();
        assertEquals(2, index.schemaVersion());
        assertEquals(MediaTypes.OCI_INDEX, index.mediaType());
        assertEquals(Map.of("com.example.key1", "value1", "com.example.key2", "value2"), index.annotations());
        assertEquals(List.of("linux/ppc64le", "linux/amd64"), index.availablePlatforms());
        assertEquals(index, OciJson.parseManifest(OciJson.write(index)).value());
    }

    @Test
    void refusesAnIndexOfTheWrongSchema() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageIndex(2, MediaTypes.OCI_MANIFEST, null, List.of(), null, null, null));
        assertTrue(e.getMessage().startsWith("mediaType 'application/vnd.oci.image.manifest.v1+json' is not an index type"),
                e.getMessage());
    }
}
