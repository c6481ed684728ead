package io.gantry.layercache.distribution;

import io.gantry.protocol.oci.Descriptor;
import io.gantry.protocol.oci.Digest;
import io.gantry.protocol.oci.ImageConfig;
import io.gantry.protocol.oci.ImageManifest;
import io.gantry.protocol.oci.ImageReference;
import io.gantry.protocol.oci.Parsed;

import java.util.List;

/**
 * An image whose manifest, config and layers are all verified and in the content store, leased as
 * {@code image/<reference>}.
 *
 * @param reference the reference as asked for
 * @param target    what the reference resolved to: the manifest, or the index it was chosen from
 * @param manifest  the image manifest for the platform pulled
 * @param config    the image config
 */
public record PulledImage(ImageReference reference, Descriptor target, Parsed<ImageManifest> manifest,
                          Parsed<ImageConfig> config) {

    public Digest manifestDigest() {
        return manifest.digest();
    }

    /** The layer blobs, base first. */
    public List<Descriptor> layers() {
        return manifest.value().layers();
    }

    /** The layers' diff ids, base first. */
    public List<Digest> diffIds() {
        return config.value().diffIds();
    }
}
