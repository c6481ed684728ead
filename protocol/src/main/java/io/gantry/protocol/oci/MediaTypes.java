package io.gantry.protocol.oci;

import java.util.List;
import java.util.Locale;

/**
 * The media types of the OCI image spec and of Docker's image manifest v2 schema 2, and the
 * questions Gantry asks about them.
 *
 * <p>Registries answer with a {@code Content-Type} that may carry parameters and is, like every
 * media type, case-insensitive; every helper here compares the {@link #base base} type, so callers
 * can pass a header value as received.
 */
public final class MediaTypes {

    // OCI image spec v1.1
    public static final String OCI_DESCRIPTOR = "application/vnd.oci.descriptor.v1+json";
    public static final String OCI_LAYOUT_HEADER = "application/vnd.oci.layout.header.v1+json";
    public static final String OCI_INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json";
    public static final String OCI_CONFIG = "application/vnd.oci.image.config.v1+json";
    public static final String OCI_EMPTY = "application/vnd.oci.empty.v1+json";
    public static final String OCI_LAYER_TAR = "application/vnd.oci.image.layer.v1.tar";
    public static final String OCI_LAYER_TAR_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
    public static final String OCI_LAYER_TAR_ZSTD = "application/vnd.oci.image.layer.v1.tar+zstd";
    /** Deprecated by OCI 1.1 but still found in Windows base images: not to be pushed to other registries. */
    public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR =
            "application/vnd.oci.image.layer.nondistributable.v1.tar";
    public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP =
            "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";
    public static final String OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD =
            "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd";

    // Docker image manifest v2, schema 2
    public static final String DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json";
    public static final String DOCKER_MANIFEST_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";
    public static final String DOCKER_CONFIG = "application/vnd.docker.container.image.v1+json";
    public static final String DOCKER_LAYER_TAR_GZIP = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    /** Not in the schema2 text, but written by containerd and BuildKit for uncompressed Docker layers. */
    public static final String DOCKER_LAYER_TAR = "application/vnd.docker.image.rootfs.diff.tar";
    public static final String DOCKER_FOREIGN_LAYER_TAR_GZIP =
            "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    /** Schema 1 is recognised only to be refused with a clear message. */
    public static final String DOCKER_SCHEMA1_MANIFEST = "application/vnd.docker.distribution.manifest.v1+json";
    public static final String DOCKER_SCHEMA1_SIGNED_MANIFEST =
            "application/vnd.docker.distribution.manifest.v1+prettyjws";

    /**
     * What a client accepts when it fetches a manifest by tag: both formats, image and index.
     * A registry that is not told about one of them may convert (schema2 to schema1) or hide
     * (OCI) the manifest.
     */
    public static final List<String> MANIFEST_ACCEPT =
            List.of(OCI_INDEX, OCI_MANIFEST, DOCKER_MANIFEST_LIST, DOCKER_MANIFEST);

    /** How a layer blob is compressed; the diff id is the digest of the uncompressed tar. */
    public enum Compression { NONE, GZIP, ZSTD }

    private MediaTypes() {
    }

    /** The value for an HTTP {@code Accept} header naming {@link #MANIFEST_ACCEPT}. */
    public static String manifestAcceptHeader() {
        return String.join(", ", MANIFEST_ACCEPT);
    }

    /** The media type without parameters, trimmed and lower-cased; {@code null} stays {@code null}. */
    public static String base(String mediaType) {
        if (mediaType == null) {
            return null;
        }
        int semicolon = mediaType.indexOf(';');
        String type = semicolon >= 0 ? mediaType.substring(0, semicolon) : mediaType;
        return type.trim().toLowerCase(Locale.ROOT);
    }

    /** An image manifest: OCI or Docker schema2 (not an index). */
    public static boolean isManifest(String mediaType) {
        String t = base(mediaType);
        return OCI_MANIFEST.equals(t) || DOCKER_MANIFEST.equals(t);
    }

    /** An index of manifests: OCI image index or Docker manifest list. */
    public static boolean isIndex(String mediaType) {
        String t = base(mediaType);
        return OCI_INDEX.equals(t) || DOCKER_MANIFEST_LIST.equals(t);
    }

    public static boolean isManifestOrIndex(String mediaType) {
        return isManifest(mediaType) || isIndex(mediaType);
    }

    /** Docker's legacy schema 1, signed or not. */
    public static boolean isSchema1(String mediaType) {
        String t = base(mediaType);
        return DOCKER_SCHEMA1_MANIFEST.equals(t) || DOCKER_SCHEMA1_SIGNED_MANIFEST.equals(t);
    }

    /** An image configuration (the JSON that holds Env, Cmd, rootfs.diff_ids...). */
    public static boolean isConfig(String mediaType) {
        String t = base(mediaType);
        return OCI_CONFIG.equals(t) || DOCKER_CONFIG.equals(t);
    }

    /** A filesystem layer Gantry can unpack: a tar, plain or compressed, OCI or Docker. */
    public static boolean isLayer(String mediaType) {
        String t = base(mediaType);
        if (t == null) {
            return false;
        }
        return switch (t) {
            case OCI_LAYER_TAR, OCI_LAYER_TAR_GZIP, OCI_LAYER_TAR_ZSTD,
                    OCI_LAYER_NONDISTRIBUTABLE_TAR, OCI_LAYER_NONDISTRIBUTABLE_TAR_GZIP,
                    OCI_LAYER_NONDISTRIBUTABLE_TAR_ZSTD,
                    DOCKER_LAYER_TAR, DOCKER_LAYER_TAR_GZIP, DOCKER_FOREIGN_LAYER_TAR_GZIP -> true;
            default -> false;
        };
    }

    public static boolean isGzip(String mediaType) {
        String t = base(mediaType);
        return t != null && (t.endsWith("+gzip") || t.endsWith(".tar.gzip"));
    }

    public static boolean isZstd(String mediaType) {
        String t = base(mediaType);
        return t != null && t.endsWith("+zstd");
    }

    /**
     * A layer that registries are not expected to serve (OCI non-distributable, Docker foreign):
     * it is fetched from its descriptor's {@code urls} and never pushed.
     */
    public static boolean isNonDistributable(String mediaType) {
        String t = base(mediaType);
        return t != null && (t.startsWith("application/vnd.oci.image.layer.nondistributable.")
                || DOCKER_FOREIGN_LAYER_TAR_GZIP.equals(t));
    }

    /** A Docker (schema2) media type rather than an OCI one. */
    public static boolean isDocker(String mediaType) {
        String t = base(mediaType);
        return t != null && t.startsWith("application/vnd.docker.");
    }

    /** The compression of a layer media type; refuses a type that is not a layer. */
    public static Compression compression(String mediaType) {
        if (!isLayer(mediaType)) {
            throw new IllegalArgumentException("media type '" + mediaType + "' is not a layer type");
        }
        if (isGzip(mediaType)) {
            return Compression.GZIP;
        }
        if (isZstd(mediaType)) {
            return Compression.ZSTD;
        }
        return Compression.NONE;
    }
}
