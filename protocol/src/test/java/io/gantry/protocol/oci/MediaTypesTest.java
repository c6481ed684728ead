package io.gantry.protocol.oci;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MediaTypesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            // type, manifest, index, config, layer, gzip, zstd, nondistributable, docker
            "application/vnd.oci.image.manifest.v1+json,                         true,  false, false, false, false, false, false, false",
            "application/vnd.docker.distribution.manifest.v2+json,               true,  false, false, false, false, false, false, true",
            "application/vnd.oci.image.index.v1+json,                            false, true,  false, false, false, false, false, false",
            "application/vnd.docker.distribution.manifest.list.v2+json,          false, true,  false, false, false, false, false, true",
            "application/vnd.oci.image.config.v1+json,                           false, false, true,  false, false, false, false, false",
            "application/vnd.docker.container.image.v1+json,                     false, false, true,  false, false, false, false, true",
            "application/vnd.oci.image.layer.v1.tar,                             false, false, false, true,  false, false, false, false",
            "application/vnd.oci.image.layer.v1.tar+gzip,                        false, false, false, true,  true,  false, false, false",
            "application/vnd.oci.image.layer.v1.tar+zstd,                        false, false, false, true,  false, true,  false, false",
            "application/vnd.oci.image.layer.nondistributable.v1.tar,            false, false, false, true,  false, false, true,  false",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip,       false, false, false, true,  true,  false, true,  false",
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd,       false, false, false, true,  false, true,  true,  false",
            "application/vnd.docker.image.rootfs.diff.tar.gzip,                  false, false, false, true,  true,  false, false, true",
            "application/vnd.docker.image.rootfs.diff.tar,                       false, false, false, true,  false, false, false, true",
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip,          false, false, false, true,  true,  false, true,  true",
            "application/vnd.oci.empty.v1+json,                                  false, false, false, false, false, false, false, false",
            "application/vnd.docker.distribution.manifest.v1+prettyjws,          false, false, false, false, false, false, false, true",
    })
    void classifies(String type, boolean manifest, boolean index, boolean config, boolean layer, boolean gzip,
                    boolean zstd, boolean nondistributable, boolean docker) {
        assertEquals(manifest, MediaTypes.isManifest(type));
        assertEquals(index, MediaTypes.isIndex(type));
        assertEquals(manifest || index, MediaTypes.isManifestOrIndex(type));
        assertEquals(config, MediaTypes.isConfig(type));
        assertEquals(layer, MediaTypes.isLayer(type));
        assertEquals(gzip, MediaTypes.isGzip(type));
        assertEquals(zstd, MediaTypes.isZstd(type));
        assertEquals(nondistributable, MediaTypes.isNonDistributable(type));
        assertEquals(docker, MediaTypes.isDocker(type));
    }

    @Test
    void comparesTheBaseTypeOfAHeader() {
        assertEquals(MediaTypes.OCI_MANIFEST, MediaTypes.base(" Application/VND.oci.image.manifest.v1+json ; charset=utf-8"));
        assertTrue(MediaTypes.isManifest("application/vnd.oci.image.manifest.v1+json; charset=utf-8"));
        assertNull(MediaTypes.base(null));
        assertFalse(MediaTypes.isLayer(null));
        assertFalse(MediaTypes.isManifest(null));
    }

    @Test
    void recognisesSchema1() {
        assertTrue(MediaTypes.isSchema1(MediaTypes.DOCKER_SCHEMA1_MANIFEST));
        assertTrue(MediaTypes.isSchema1(MediaTypes.DOCKER_SCHEMA1_SIGNED_MANIFEST));
        assertFalse(MediaTypes.isSchema1(MediaTypes.DOCKER_MANIFEST));
    }

    @Test
    void compressionOfLayers() {
        assertEquals(MediaTypes.Compression.GZIP, MediaTypes.compression(MediaTypes.DOCKER_LAYER_TAR_GZIP));
        assertEquals(MediaTypes.Compression.GZIP, MediaTypes.compression(MediaTypes.OCI_LAYER_TAR_GZIP));
        assertEquals(MediaTypes.Compression.ZSTD, MediaTypes.compression(MediaTypes.OCI_LAYER_TAR_ZSTD));
        assertEquals(MediaTypes.Compression.NONE, MediaTypes.compression(MediaTypes.OCI_LAYER_TAR));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> MediaTypes.compression(MediaTypes.OCI_CONFIG));
        assertEquals("media type 'application/vnd.oci.image.config.v1+json' is not a layer type", e.getMessage());
    }

    @Test
    void acceptsEveryManifestKind() {
        assertEquals("application/vnd.oci.image.index.v1+json, application/vnd.oci.image.manifest.v1+json, "
                        + "application/vnd.docker.distribution.manifest.list.v2+json, "
                        + "application/vnd.docker.distribution.manifest.v2+json",
                MediaTypes.manifestAcceptHeader());
    }
}
