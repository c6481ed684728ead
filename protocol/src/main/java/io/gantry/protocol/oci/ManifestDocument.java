package io.gantry.protocol.oci;

import java.util.Map;

/**
 * What a registry serves under {@code /v2/<name>/manifests/<reference>}: either an image
 * manifest or an index of manifests (OCI or Docker form of each). {@link OciJson#parseManifest}
 * tells them apart.
 */
public sealed interface ManifestDocument permits ImageManifest, ImageIndex {

    int schemaVersion();

    /** The mediaType field as written; OCI allows it to be absent. */
    String mediaType();

    String artifactType();

    Descriptor subject();

    Map<String, String> annotations();
}
