package io.gantry.agent.snapshot;

import io.gantry.protocol.oci.Digest;

/**
 * A layer made from a writable layer: what an image config ({@code rootfs.diff_ids}, a new
 * {@code history} entry) and a manifest (a layer descriptor) need to reference it.
 *
 * @param diffId           sha256 of the uncompressed tar
 * @param digest           sha256 of the blob as written (gzip)
 * @param size             bytes of the blob
 * @param uncompressedSize bytes of the tar
 */
public record CommittedLayer(Digest diffId, Digest digest, long size, long uncompressedSize, String mediaType) {
    public static final String OCI_LAYER_GZIP = "application/vnd.oci.image.layer.v1.tar+gzip";
}
